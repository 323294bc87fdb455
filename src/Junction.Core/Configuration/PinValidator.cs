using System.Globalization;
using System.Net.Sockets;
using Junction.Model;

namespace Junction.Configuration;

/// <summary>Checks one entry of <c>pins:</c>: what it matches, and that its uplink exists and carries its family.</summary>
internal static class PinValidator
{
    /// <param name="declared">The names of every uplink the file declares, also those with errors (which are left out of
    /// <paramref name="uplinks"/>): a pin to one of them is no error of its own, the uplink's errors are reported where it is written.</param>
    public static PinModel? Validate(PinConfig pin, int index, ValidationContext v, List<UplinkModel> uplinks, IReadOnlyCollection<string> declared)
    {
        var entity = $"pin[{index}]";
        var before = v.Count;
        var to = pin.To is { } t ? v.Network(t, $"{entity}.to") : null;
        var from = pin.From is { } f ? v.Network(f, $"{entity}.from") : null;
        if (to is { } a && from is { } b && a.BaseAddress.AddressFamily != b.BaseAddress.AddressFamily)
            v.Error(pin.From!, $"{entity}.from", "is of another address family than 'to'", "pin IPv4 and IPv6 traffic in separate entries");

        string? protocol = null;
        if (pin.Protocol is { } p)
            protocol = v.Word(p, $"{entity}.protocol", Vocabulary.Protocols);

        int? first = null, last = null;
        if (pin.Port is { } port)
        {
            var parts = port.Value.Split('-', 2);
            if (parts.All(x => int.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 65535)
                && int.Parse(parts[0], CultureInfo.InvariantCulture) <= int.Parse(parts[^1], CultureInfo.InvariantCulture))
            {
                first = int.Parse(parts[0], CultureInfo.InvariantCulture);
                last = int.Parse(parts[^1], CultureInfo.InvariantCulture);
            }
            else
                v.Error(port, $"{entity}.port", $"'{port.Value}' is not a port (1-65535) or a range like 8000-8100", null);
            if (protocol is null || !Vocabulary.PortProtocols.Contains(protocol))
                v.Error(port, $"{entity}.port", "a port needs a protocol that has ports", "add 'protocol: tcp' or 'protocol: udp'");
        }

        if (to is null && from is null && protocol is null && pin.Port is null && pin.To is null && pin.From is null)
            v.Error(pin.Position, entity, "matches every connection", "give at least one of 'to', 'from', 'protocol', 'port'");

        string? via = null;
        if (pin.Via is null)
            v.Error(pin.Position, entity, "has no 'via'", "add 'via: NAME' naming an uplink");
        else if (!declared.Contains(pin.Via.Value))
            v.Error(pin.Via, $"{entity}.via", $"no uplink is named '{pin.Via.Value}'",
                declared.Count == 0 ? "add the uplink under 'uplinks:'" : Suggest.DidYouMean(pin.Via.Value, declared));
        else if (uplinks.All(u => u.Name != pin.Via.Value))
        {
            // The uplink is there but has errors: those say what to fix; "no uplink is named" would be false.
        }
        else
        {
            via = pin.Via.Value;
            var family = (to ?? from)?.BaseAddress.AddressFamily;
            var carried = uplinks.First(u => u.Name == via).Families;
            if (family == AddressFamily.InterNetwork && !carried.HasFlag(Families.IPv4)
                || family == AddressFamily.InterNetworkV6 && !carried.HasFlag(Families.IPv6))
                v.Error(pin.Via, $"{entity}.via", $"uplink '{via}' does not carry {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")}", "pin this traffic to an uplink of its family");
        }

        return v.Count > before || via is null ? null : new PinModel(to, from, protocol, first, last, via);
    }
}
