using System.Text.Json;
using Junction.Linux.Processes;
using Junction.Model;

namespace Junction.Linux.Apply.Routing;

/// <summary>
/// Every ip rule and every route (all tables) of one family, as iproute2 listed them, read
/// by one process. They are kept as JSON until the owned ranges are known, so the read
/// can run beside the one of the nftables table that records those ranges.
/// </summary>
internal sealed record RoutingDump(Families Family, IReadOnlyList<JsonElement> Rules, IReadOnlyList<JsonElement> Routes)
{
    public static RoutingDump Read(CommandRunner runner, Families family)
    {
        string[] commands = ["rule show", "route show table all"];
        var lists = family == Families.IPv6 ? IpJson.ListsIfSupported(runner, family, commands) : IpJson.Lists(runner, family, commands);
        return new RoutingDump(family, lists[0], lists[1]);
    }

    /// <summary>Both families, one process each.</summary>
    public static IReadOnlyList<RoutingDump> ReadBoth(CommandRunner runner) => [Read(runner, Families.IPv4), Read(runner, Families.IPv6)];

    public IEnumerable<IpRule> OwnedRules(Func<int, bool> owned) =>
        Rules.Select(r => IpRule.From(Family, r)).Where(r => owned(r.Priority));

    public IEnumerable<IpRoute> OwnedRoutes(Func<uint, bool> owned) =>
        Routes.Where(r => owned(IpRoute.TableOf(r))).Select(r => IpRoute.From(Family, r));
}
