using Junction.Linux.Apply.Nftables;
using Junction.Linux.Apply.Routing;
using Junction.Linux.Apply.Sysctls;
using Junction.Model;

namespace Junction.Linux.Apply;

/// <summary>
/// Everything an apply or flush may change, read before it changes anything: the rollback
/// copy. <see cref="Owners"/> are the ranges in scope: the plan's and the installed
/// table's record, so rules and routes left in an old range (after rule-priority or
/// table-base changed) are cleaned up too.
/// </summary>
internal sealed record KernelSnapshot(
    IReadOnlyList<Ownership> Owners,
    InstalledTable? Table,
    IReadOnlyList<IpRule> Rules,
    IReadOnlyList<IpRoute> Routes,
    IReadOnlyDictionary<string, string> Sysctls)
{
    /// <summary>Every interface's name by index when the snapshot was taken (empty for a checkpoint read back).</summary>
    public IReadOnlyDictionary<int, string> Links { get; init; } = new Dictionary<int, string>();

    /// <summary>
    /// Read in this process, one after the other (each is well under a millisecond): the
    /// table (libnftables), the rules of both families (one rtnetlink dump) and the routes of
    /// the tables in scope (a dump per table and family, see <see cref="RoutingDump"/>), and
    /// the sysctls (a netconf dump for IPv4 forwarding and rp_filter, /proc/sys for the
    /// rest). The table is read first: its record says which ranges are in scope.
    /// </summary>
    public static KernelSnapshot Take(KernelIo io, Ownership? planned, IEnumerable<string> sysctlKeys)
    {
        var table = InstalledTable.Read(io.Nft);
        return Take(io, planned, sysctlKeys, table);
    }

    /// <summary>The rest of the snapshot, the table having been read already.</summary>
    public static KernelSnapshot Take(KernelIo io, Ownership? planned, IEnumerable<string> sysctlKeys, InstalledTable? table)
    {
        var keys = sysctlKeys.ToList();
        var links = io.Rtnetlink.LinkNames();
        var owners = new[] { planned, table?.Owner }.OfType<Ownership>().Distinct().ToList();
        var dumps = RoutingDump.ReadBoth(io.Rtnetlink, links, Tables(owners));
        var sysctls = SysctlReconciler.Read(io, keys, links);
        var (rules, routes) = Owned(owners, dumps);
        return new KernelSnapshot(owners, table, rules, routes, sysctls) { Links = links };
    }

    /// <summary>The owned rules and routes as the kernel holds them now (for rollback).</summary>
    public (IReadOnlyList<IpRule> Rules, IReadOnlyList<IpRoute> Routes) CurrentRouting(KernelIo io) =>
        Owners.Count == 0 ? ([], []) : Owned(Owners, RoutingDump.ReadBoth(io.Rtnetlink, io.Rtnetlink.LinkNames(), Tables(Owners)));

    /// <summary>The routing tables the owners may hold routes in: the only ones read.</summary>
    private static RangeSet Tables(IReadOnlyList<Ownership> owners) => owners.Aggregate(RangeSet.Empty, (all, o) => all.Union(o.Tables));

    private static (IReadOnlyList<IpRule> Rules, IReadOnlyList<IpRoute> Routes) Owned(IReadOnlyList<Ownership> owners, IReadOnlyList<RoutingDump> dumps) =>
        owners.Count == 0
            ? ([], [])
            : ([.. dumps.SelectMany(d => d.OwnedRules(p => owners.Any(o => o.OwnsPriority(p))))],
               [.. dumps.SelectMany(d => d.OwnedRoutes(t => owners.Any(o => o.OwnsTable(t))))]);
}
