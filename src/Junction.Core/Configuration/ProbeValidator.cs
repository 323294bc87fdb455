using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Junction.Model;

namespace Junction.Configuration;

/// <summary>
/// Checks one uplink's <c>probe:</c> and fills in the defaults (probes belong to the health
/// monitor; the planner never reads them).
/// </summary>
internal static class ProbeValidator
{
    public static ProbeModel? Validate(ProbeConfig? probe, string uplink, Families families,
        IPAddress? gateway4, IPAddress? gateway6, ValidationContext v)
    {
        var gateways = new[] { gateway4, gateway6 }.OfType<IPAddress>().Select(a => new ProbeTarget(a, null)).ToList();
        if (probe is null)
            // A tunnel without a gateway has no obvious target; rather than reject files that
            // were valid before probes existed, such an uplink is watched by link state only.
            return gateways.Count == 0 ? ProbeModel.None : ProbeModel.None with { Targets = gateways };

        var entity = $"{uplink}.probe";
        var before = v.Count;

        var kind = ProbeKind.Icmp;
        if (probe.Kind is { } k)
            kind = v.Word(k, $"{entity}.kind", Vocabulary.Probe) ?? ProbeKind.Icmp;

        var targets = new List<ProbeTarget>();
        foreach (var t in probe.Targets)
        {
            if (Target(t, $"{entity}.targets", kind, families, v) is not { } target) continue;
            if (targets.Contains(target))
                v.Error(t, $"{entity}.targets", $"{target} is listed twice", "list each target once");
            else targets.Add(target);
        }
        if (probe.Targets.Count == 0)
        {
            if (kind == ProbeKind.Tcp)
                v.Error(probe.TargetsPosition, entity, "a tcp probe has no targets",
                    "add 'targets: [192.0.2.1:443]': tcp probes need an address and a port that accepts connections");
            else if (gateways.Count == 0)
                v.Error(probe.TargetsPosition, entity, "has nothing to probe: no 'targets' and the uplink has no gateway",
                    "add 'targets: [ADDRESS]' with a host reachable only through this uplink (e.g. the tunnel's far end), or remove 'probe:' to watch the link state only");
            else targets.AddRange(gateways);
        }

        var interval = Duration(probe.Interval, $"{entity}.interval", ProbeModel.DefaultInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1), v);
        var timeout = Duration(probe.Timeout, $"{entity}.timeout", ProbeModel.DefaultTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1), v);
        var downAfter = Count(probe.DownAfter, $"{entity}.down-after", ProbeModel.DefaultDownAfter, "failed rounds in a row", v);
        var upAfter = Count(probe.UpAfter, $"{entity}.up-after", ProbeModel.DefaultUpAfter, "good rounds in a row", v);

        var require = ProbeModel.DefaultRequire;
        if (probe.Require is { } r)
        {
            if (r.Value == "all")
                require = Math.Max(1, targets.Count);
            else if (int.TryParse(r.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1)
            {
                require = n;
                if (targets.Count > 0 && n > targets.Count)
                    v.Error(r, $"{entity}.require", $"{n} targets must answer but only {targets.Count} {(targets.Count == 1 ? "is" : "are")} listed",
                        $"use a number from 1 to {targets.Count}, or 'all'");
            }
            else
                v.Error(r, $"{entity}.require", $"'{r.Value}' is not a number of targets or 'all'",
                    "write how many targets must answer in a round, e.g. 2, or 'all'");
        }

        return v.Count > before ? null : new ProbeModel(kind, targets, interval, timeout, downAfter, upAfter, require);
    }

    private static ProbeTarget? Target(Sourced<string> value, string entity, ProbeKind kind, Families families, ValidationContext v)
    {
        var text = value.Value.Trim();
        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf("]:", StringComparison.Ordinal);
            host = close < 0 ? text.Trim('[', ']') : text[1..close];
            port = close < 0 ? null : text[(close + 2)..];
        }
        else if (text.Count(c => c == ':') == 1)
        {
            var colon = text.IndexOf(':');
            (host, port) = (text[..colon], text[(colon + 1)..]);
        }
        else host = text;

        var address = v.Address(new Sourced<string>(host, value.Position), entity);
        if (address is null) return null;

        var family = address.AddressFamily == AddressFamily.InterNetwork ? Families.IPv4 : Families.IPv6;
        if (!families.HasFlag(family))
        {
            v.Error(value, entity, $"{address} is {Name(family)} but the uplink carries only {Name(families)}",
                "probe an address of the uplink's family, or add a gateway of this family ('gateway'/'gateway6') or 'family: dual'");
            return null;
        }

        if (kind == ProbeKind.Icmp)
        {
            if (port is null) return new ProbeTarget(address, null);
            v.Error(value, entity, $"'{value.Value}' has a port but icmp probes have none",
                $"write '{address}', or set 'kind: tcp' to probe a port");
            return null;
        }
        if (port is null)
        {
            v.Error(value, entity, $"'{value.Value}' has no port but tcp probes connect to one",
                family == Families.IPv4 ? $"write e.g. '{address}:443'" : $"write e.g. '[{address}]:443'");
            return null;
        }
        if (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535)
            return new ProbeTarget(address, p);
        v.Error(value, entity, $"'{port}' in '{value.Value}' is not a port from 1 to 65535", "write e.g. '192.0.2.1:443'");
        return null;
    }

    private static string Name(Families f) => f switch
    {
        Families.IPv4 => "IPv4",
        Families.IPv6 => "IPv6",
        _ => "IPv4 and IPv6",
    };

    private static int Count(Sourced<string>? value, string entity, int fallback, string what, ValidationContext v) =>
        value is null ? fallback : (int?)v.Integer(value, entity, 1, 100, $"a number of {what}") ?? fallback;

    private static TimeSpan Duration(Sourced<string>? value, string entity, TimeSpan fallback, TimeSpan min, TimeSpan max, ValidationContext v)
    {
        if (value is null) return fallback;
        if (ValidationContext.ParseDuration(value.Value) is { } d && d >= min && d <= max) return d;
        v.Error(value, entity, $"'{value.Value}' is not a duration from {Show(min)} to {Show(max)}",
            "write a number with a unit: ms, s or m, e.g. '200ms' or '1s'");
        return fallback;
    }

    private static string Show(TimeSpan t) =>
        t.TotalMilliseconds < 1000 ? $"{t.TotalMilliseconds}ms" : t.TotalSeconds < 60 ? $"{t.TotalSeconds}s" : $"{t.TotalMinutes}m";
}
