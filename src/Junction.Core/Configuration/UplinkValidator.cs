using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Junction.Model;

namespace Junction.Configuration;

/// <summary>
/// Checks <c>uplinks:</c>: each entry's name, interface, gateways, family, weight and id,
/// and that no two share a name, an interface or an id (hence a mark and a routing table).
/// An uplink's <c>snat:</c>, <c>probe:</c> and <c>tier:</c> have validators of their own.
/// </summary>
internal sealed partial class UplinkValidator(ValidationContext v, HashSet<string> lan, MarkLayout layout)
{
    private readonly Dictionary<string, SourcePosition> _names = [];
    private readonly Dictionary<string, string> _interfaces = [];
    private readonly Dictionary<int, string> _ids = [];

    [GeneratedRegex("^[a-z0-9-]{1,15}$")]
    private static partial Regex UplinkName();

    /// <summary>The valid uplinks (an uplink with an error is left out), then the check of the ranges their ids own.</summary>
    public static List<UplinkModel> Validate(JunctionConfig config, ValidationContext v, HashSet<string> lan, MarkLayout layout)
    {
        var result = new List<UplinkModel>();
        if (config.Uplinks.Count == 0)
        {
            v.Error(config.UplinksPosition, "uplinks", "no uplinks are configured",
                "add an 'uplinks:' list with at least one '- name: ... interface: ...' entry");
            return result;
        }

        var validator = new UplinkValidator(v, lan, layout);
        for (var i = 0; i < config.Uplinks.Count; i++)
            if (validator.One(config.Uplinks[i], i) is { } uplink)
                result.Add(uplink);

        var ids = validator._ids.Keys;
        if (ids.Count > 0) LayoutValidator.OwnedRanges(config, v, layout, ids.Min(), ids.Max());
        return result;
    }

    private UplinkModel? One(UplinkConfig u, int index)
    {
        var entity = u.Name is null ? $"uplinks[{index}]" : $"uplink '{u.Name.Value}'";
        var name = Name(u, entity);
        var iface = Interface(u, entity, name);
        var (gw4, gw6) = Gateways(u, entity);
        var families = Families(u, entity, gw4, gw6);

        var weight = 1;
        if (u.Weight is { } w && v.Integer(w, $"{entity}.weight", 1, 1000, "a weight") is { } wv)
            weight = (int)wv;

        var id = Id(u, index, entity, name);
        var snat = SnatValidator.Validate(u.Snat, entity, families, v);
        var probe = ProbeValidator.Validate(u.Probe, entity, families, gw4, gw6, v);
        var tier = TierValidator.Tier(u.Tier, entity, v);
        return name is not null && iface is not null && snat is not null && probe is not null
            ? new UplinkModel(name, iface, gw4, gw6, families, weight, id, snat, probe) { Tier = tier }
            : null;
    }

    private string? Name(UplinkConfig u, string entity)
    {
        if (u.Name is null)
            v.Error(u.Position, entity, "has no name", "add 'name: isp1' (lower-case letters, digits and '-', at most 15)");
        else if (!UplinkName().IsMatch(u.Name.Value))
            v.Error(u.Name, entity, $"name '{u.Name.Value}' is not 1-15 of a-z, 0-9 and '-'", "rename it, e.g. 'isp1'");
        else if (_names.TryGetValue(u.Name.Value, out var first))
            v.Error(u.Name, entity, $"the name is already used by the uplink at line {first.Line}", "give each uplink its own name");
        else
        {
            _names[u.Name.Value] = u.Name.Position;
            return u.Name.Value;
        }
        return null;
    }

    private string? Interface(UplinkConfig u, string entity, string? name)
    {
        if (u.Interface is null)
            v.Error(u.Position, entity, "has no interface", "add 'interface: eth1' (the device the uplink leaves through)");
        else if (v.Interface(u.Interface, $"{entity}.interface") is { } dev)
        {
            if (lan.Contains(dev))
                v.Error(u.Interface, $"{entity}.interface", $"'{dev}' is also listed under 'lan'", "an interface is either a LAN or an uplink, not both");
            else if (_interfaces.TryGetValue(dev, out var other))
                v.Error(u.Interface, $"{entity}.interface", $"'{dev}' is already the interface of uplink '{other}'", "give each uplink its own interface");
            else
            {
                _interfaces[dev] = name ?? entity;
                return dev;
            }
        }
        return null;
    }

    private (IPAddress? Gateway4, IPAddress? Gateway6) Gateways(UplinkConfig u, string entity)
    {
        var gw4 = (IPAddress?)null;
        var gw6 = (IPAddress?)null;
        if (u.Gateway is { } g && v.Address(g, $"{entity}.gateway") is { } ga)
        {
            if (ga.AddressFamily == AddressFamily.InterNetwork) gw4 = ga; else gw6 = ga;
        }
        if (u.Gateway6 is { } g6 && v.Address(g6, $"{entity}.gateway6") is { } ga6)
        {
            if (ga6.AddressFamily != AddressFamily.InterNetworkV6)
                v.Error(g6, $"{entity}.gateway6", $"'{g6.Value}' is not an IPv6 address", "put the IPv4 gateway under 'gateway:'");
            else if (gw6 is not null)
                v.Error(g6, $"{entity}.gateway6", "an IPv6 gateway is already given under 'gateway:'", "give one IPv4 'gateway' and one 'gateway6'");
            else gw6 = ga6;
        }
        return (gw4, gw6);
    }

    /// <summary>What <c>family:</c> says, else the families of the gateways given, else IPv4.</summary>
    private Families Families(UplinkConfig u, string entity, IPAddress? gw4, IPAddress? gw6)
    {
        var families = (gw4 is null ? Model.Families.None : Model.Families.IPv4) | (gw6 is null ? Model.Families.None : Model.Families.IPv6);
        if (families == Model.Families.None) families = Model.Families.IPv4;
        if (u.Family is not { } fam) return families;

        var declared = v.Word(fam, $"{entity}.family", Vocabulary.Family) ?? Model.Families.IPv4;
        if (gw4 is not null && !declared.HasFlag(Model.Families.IPv4) || gw6 is not null && !declared.HasFlag(Model.Families.IPv6))
            v.Error(fam, $"{entity}.family", $"'{fam.Value}' does not include the family of the gateway given", "set 'family: dual' or remove the other gateway");
        else if (gw4 is null && gw6 is not null && declared.HasFlag(Model.Families.IPv4) || gw6 is null && gw4 is not null && declared.HasFlag(Model.Families.IPv6))
            v.Error(fam, $"{entity}.family", $"'{fam.Value}' needs a gateway for each family, or none (a point-to-point link)", "add the missing 'gateway'/'gateway6', or remove both for a tunnel");
        return declared;
    }

    /// <summary><c>id:</c>, by default the uplink's position in the list; it must fit the mark mask and be unique.</summary>
    private int Id(UplinkConfig u, int index, string entity, string? name)
    {
        var id = index + 1;
        if (u.Id is { } idText)
        {
            if (v.Integer(idText, $"{entity}.id", 1, layout.MaxId, $"an uplink id that fits mark-mask 0x{layout.Mask:x8}") is { } iv)
                id = (int)iv;
        }
        else if (id > layout.MaxId)
            v.Error(u.Position, entity, $"is uplink number {id} but mark-mask 0x{layout.Mask:x8} holds only {layout.MaxId}",
                layout.MaxId >= MarkLayout.IdLimit || id > MarkLayout.IdLimit
                    ? $"Junction balances at most {MarkLayout.IdLimit} uplinks, whatever the mask; remove uplinks"
                    : $"widen 'mark-mask' (more contiguous bits), e.g. 0x{LayoutValidator.WiderMask(layout.Mask, id):x8}");
        if (_ids.TryGetValue(id, out var owner))
            v.Error(u.Id?.Position ?? u.Position, entity,
                $"would share mark {layout.Hex(layout.Value(id))} and routing table {layout.Table(id)} with uplink '{owner}'",
                "give each uplink a distinct 'id:' (ids default to the uplink's position in the list)");
        else _ids[id] = name ?? entity;
        return id;
    }
}
