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
    /// <summary>Both families.</summary>
    public static IReadOnlyList<RoutingDump> ReadBoth(RtnetlinkClient client) => ReadBoth(client, client.LinkNames());

    /// <summary>
    /// Both families in two dumps (every family's rules, then every family's routes) rather
    /// than four; other families' entries are skipped, and a kernel without IPv6
    /// (ipv6.disable=1) simply lists none.
    /// </summary>
    public static IReadOnlyList<RoutingDump> ReadBoth(RtnetlinkClient client, IReadOnlyDictionary<int, string> links)
    {
        var rules = new List<IpRule>();
        var routes = new List<IpRoute>();
        client.Dump(Rtnetlink.GetRule, Libc.AfUnspec, "dump rules", rules.Clear, (type, body) =>
        {
            if (type == Rtnetlink.NewRule && Ours(body) && IpRule.From(body) is { } rule) rules.Add(rule);
        });
        client.Dump(Rtnetlink.GetRoute, Libc.AfUnspec, "dump routes", routes.Clear, (type, body) =>
        {
            if (type == Rtnetlink.NewRoute && Ours(body) && IpRoute.From(body, links) is { } route) routes.Add(route);
        });
        return [.. new[] { Families.IPv4, Families.IPv6 }.Select(f => new RoutingDump(f,
            [.. rules.Where(r => r.Family == f)], [.. routes.Where(r => r.Family == f)]))];
    }

    private static bool Ours(ReadOnlySpan<byte> body) => body.Length > 0 && body[0] is Libc.AfInet or Libc.AfInet6;

    public IEnumerable<IpRule> OwnedRules(Func<int, bool> owned) => Rules.Where(r => owned(r.Priority));

    public IEnumerable<IpRoute> OwnedRoutes(Func<uint, bool> owned) => Routes.Where(r => owned(r.Table));
}
