using System.Net;
using System.Net.Sockets;
using Junction.Model;

namespace Junction.Configuration;

/// <summary>Checks one uplink's <c>snat:</c>: a word (masquerade, none) or an address pool and how it is spread.</summary>
internal static class SnatValidator
{
    public static SnatModel? Validate(SnatConfig? snat, string entity, Families families, ValidationContext v)
    {
        if (snat is null) return SnatModel.Masquerade;
        var where = $"{entity}.snat";
        if (snat.Mode is { } mode)
            return v.Word(mode, where, Vocabulary.Snat, "or a mapping with 'addresses:'") switch
            {
                SnatMode.Masquerade => SnatModel.Masquerade,
                SnatMode.None => SnatModel.None,
                _ => null,
            };

        if (snat.Addresses.Count == 0)
        {
            v.Error(snat.Position, where, "the pool has no addresses", "add 'addresses: [192.0.2.10, 192.0.2.11]'");
            return null;
        }
        var ok = true;
        var pool = new List<IPAddress>();
        // A set for the duplicate check: a list's Contains made a 100,000-address pool quadratic.
        var seen = new HashSet<IPAddress>();
        foreach (var a in snat.Addresses)
        {
            if (v.Address(a, $"{where}.addresses") is not { } address) { ok = false; continue; }
            var family = address.AddressFamily == AddressFamily.InterNetwork ? Families.IPv4 : Families.IPv6;
            if (!families.HasFlag(family))
            {
                v.Error(a, $"{where}.addresses", $"{address} is {(family == Families.IPv4 ? "IPv4" : "IPv6")} but the uplink carries only {(families == Families.IPv4 ? "IPv4" : "IPv6")}",
                    "use addresses of the uplink's family, or add a gateway of this family ('gateway'/'gateway6') or 'family: dual'");
                ok = false;
            }
            else if (!seen.Add(address))
            {
                v.Error(a, $"{where}.addresses", $"{address} is listed twice", "list each address once");
                ok = false;
            }
            else pool.Add(address);
        }

        var spread = PoolSpread.RoundRobin;
        if (snat.Spread is { } s)
            spread = v.Word(s, $"{where}.spread", Vocabulary.Spread) ?? PoolSpread.RoundRobin;
        return ok ? new SnatModel(SnatMode.Pool, pool, spread) : null;
    }
}
