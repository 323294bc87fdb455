using Junction.Linux.Interop;
using Junction.Linux.Netlink;
using Junction.Model;

namespace Junction.Linux.Apply.Routing;

/// <summary>
/// Every ip rule and every route (all tables) of one family, dumped over rtnetlink. All of
/// them are kept until the owned ranges are known, so the read can run beside the one of
/// the nftables table that records those ranges.
/// </summary>
internal sealed record RoutingDump(Families Family, IReadOnlyList<IpRule> Rules, IReadOnlyList<IpRoute> Routes)
{
    private const int Eafnosupport = 97;

    /// <summary>A kernel without IPv6 (ipv6.disable=1) has no IPv6 rules or routes rather than an error.</summary>
    public static RoutingDump Read(RtnetlinkClient client, Families family) => Read(client, family, client.LinkNames());

    /// <param name="links">every interface's name by index, read once for both families.</param>
    public static RoutingDump Read(RtnetlinkClient client, Families family, IReadOnlyDictionary<int, string> links)
    {
        var af = family == Families.IPv6 ? Rtnetlink.AfInet6 : Rtnetlink.AfInet;
        var rules = new List<IpRule>();
        var routes = new List<IpRoute>();
        try
        {
            client.Dump(Rtnetlink.GetRule, af, $"dump {Name(family)} rules", rules.Clear, (type, body) =>
            {
                if (type == Rtnetlink.NewRule && IpRule.From(body) is { } rule) rules.Add(rule);
            });
            client.Dump(Rtnetlink.GetRoute, af, $"dump {Name(family)} routes", routes.Clear, (type, body) =>
            {
                if (type == Rtnetlink.NewRoute && IpRoute.From(body, links) is { } route) routes.Add(route);
            });
        }
        catch (NetlinkException e) when (family == Families.IPv6 && e.Errno is Eafnosupport or Libc.Eopnotsupp)
        {
            return new RoutingDump(family, [], []);
        }
        return new RoutingDump(family, rules, routes);
    }

    /// <summary>Both families.</summary>
    public static IReadOnlyList<RoutingDump> ReadBoth(RtnetlinkClient client)
    {
        var links = client.LinkNames();
        return [Read(client, Families.IPv4, links), Read(client, Families.IPv6, links)];
    }

    public IEnumerable<IpRule> OwnedRules(Func<int, bool> owned) => Rules.Where(r => owned(r.Priority));

    public IEnumerable<IpRoute> OwnedRoutes(Func<uint, bool> owned) => Routes.Where(r => owned(r.Table));

    private static string Name(Families family) => family == Families.IPv6 ? "IPv6" : "IPv4";
}
