using Junction.Linux.Interop;
using Junction.Linux.Netlink;
using Junction.Model;

namespace Junction.Linux.Apply.Routing;

/// <summary>
/// Every ip rule, and the routes of the routing tables asked for (all tables when none are
/// named), of both families, dumped over rtnetlink.
/// </summary>
internal sealed record RoutingDump(Families Family, IReadOnlyList<IpRule> Rules, IReadOnlyList<IpRoute> Routes)
{
    /// <summary>
    /// Above this many tables one dump of every table is cheaper than a dump per table (each
    /// costs a round trip; an unfiltered dump costs the kernel its walk of every route).
    /// </summary>
    internal const int MaxTableDumps = 1024;

    /// <summary>Both families, every table.</summary>
    public static IReadOnlyList<RoutingDump> ReadBoth(RtnetlinkClient client) => ReadBoth(client, client.LinkNames(), null);

    /// <summary>
    /// Both families: every family's rules in one dump, then the routes of
    /// <paramref name="tables"/> (null: of every table). A busy router's full BGP table
    /// lives in main; dumping it with the rest took 0.9 s and 300 MB for 500,000 routes on
    /// every apply, so each owned table is dumped on its own and the kernel walks only that
    /// table (<see cref="RtnetlinkClient.FiltersDumps"/>). Where the kernel cannot filter,
    /// one dump of everything is read and other tables' routes are passed over unparsed.
    /// Other families' entries are skipped, and a kernel without IPv6 (ipv6.disable=1)
    /// simply lists none.
    /// </summary>
    public static IReadOnlyList<RoutingDump> ReadBoth(RtnetlinkClient client, IReadOnlyDictionary<int, string> links, RangeSet? tables)
    {
        var rules = new List<IpRule>();
        var routes = new List<IpRoute>();
        client.Dump(Rtnetlink.GetRule, Libc.AfUnspec, "dump rules", rules.Clear, (type, body) =>
        {
            if (type == Rtnetlink.NewRule && Ours(body) && IpRule.From(body) is { } rule) rules.Add(rule);
        });
        if (tables is not null && client.FiltersDumps && Count(tables) <= MaxTableDumps)
        {
            var part = new List<IpRoute>();
            // A kernel whose IPv6 has policy routing always lists its default IPv6 rules; one
            // without IPv6 (ipv6.disable=1) would answer an IPv6 route dump as if for every
            // family, and refuse it where MPLS is loaded (RTA_TABLE is no MPLS filter).
            byte[] families = rules.Any(r => r.Family == Families.IPv6) ? [Libc.AfInet, Libc.AfInet6] : [Libc.AfInet];
            foreach (var (first, last) in tables.Ranges)
                for (var t = first; t <= last; t++)
                {
                    // 0 would be no filter at all, and main is the big table this exists to
                    // pass over: a record that spans the kernel's tables (a widened range) owns none of them.
                    if (MarkLayout.IsSystemTable(t)) continue;
                    foreach (var family in families)
                    {
                        client.DumpTable(family, (uint)t, "dump routes", part.Clear, (type, body) =>
                        {
                            if (type == Rtnetlink.NewRoute && body.Length > 0 && body[0] == family && RtnetlinkParser.RouteTable(body) == t &&
                                IpRoute.From(body, links) is { } route) part.Add(route);
                        });
                        routes.AddRange(part);
                    }
                }
        }
        else
            client.Dump(Rtnetlink.GetRoute, Libc.AfUnspec, "dump routes", routes.Clear, (type, body) =>
            {
                if (type == Rtnetlink.NewRoute && Ours(body) && (tables is null || tables.Contains(RtnetlinkParser.RouteTable(body))) &&
                    IpRoute.From(body, links) is { } route) routes.Add(route);
            });
        return [.. new[] { Families.IPv4, Families.IPv6 }.Select(f => new RoutingDump(f,
            [.. rules.Where(r => r.Family == f)], [.. routes.Where(r => r.Family == f)]))];
    }

    private static long Count(RangeSet set) => set.Ranges.Sum(r => r.Last - r.First + 1);

    private static bool Ours(ReadOnlySpan<byte> body) => body.Length > 0 && body[0] is Libc.AfInet or Libc.AfInet6;

    public IEnumerable<IpRule> OwnedRules(Func<int, bool> owned) => Rules.Where(r => owned(r.Priority));

    public IEnumerable<IpRoute> OwnedRoutes(Func<uint, bool> owned) => Routes.Where(r => owned(r.Table));
}
