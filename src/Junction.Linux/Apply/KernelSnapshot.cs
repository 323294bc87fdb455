using Junction.Linux.Apply.Nftables;
using Junction.Linux.Apply.Routing;
using Junction.Linux.Apply.Sysctls;
using Junction.Linux.Processes;

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
    public static KernelSnapshot Take(CommandRunner runner, Ownership? planned, IEnumerable<string> sysctlKeys)
    {
        var table = InstalledTable.Read(runner);
        var owners = new[] { planned, table?.Owner }.OfType<Ownership>().Distinct().ToList();
        return new KernelSnapshot(owners, table, ReadRules(runner, owners), ReadRoutes(runner, owners),
            SysctlReconciler.Read(runner, sysctlKeys));
    }

    public IReadOnlyList<IpRule> CurrentRules(CommandRunner runner) => ReadRules(runner, Owners);

    public IReadOnlyList<IpRoute> CurrentRoutes(CommandRunner runner) => ReadRoutes(runner, Owners);

    private static IReadOnlyList<IpRule> ReadRules(CommandRunner runner, IReadOnlyList<Ownership> owners) =>
        owners.Count == 0 ? [] : RuleReconciler.Read(runner, p => owners.Any(o => o.OwnsPriority(p)));

    private static IReadOnlyList<IpRoute> ReadRoutes(CommandRunner runner, IReadOnlyList<Ownership> owners) =>
        owners.Count == 0 ? [] : RouteReconciler.Read(runner, t => owners.Any(o => o.OwnsTable(t)));
}
