using Junction.Linux.Apply.Nftables;
using Junction.Linux.Apply.Routing;
using Junction.Linux.Apply.Sysctls;
using Junction.Linux.Processes;
using Junction.Model;
using Junction.Planning;
using Junction.Planning.Nftables;

namespace Junction.Linux.Apply;

/// <summary>
/// Makes the kernel (of the namespace the runner points at) match a <see cref="DesiredState"/>,
/// touching only what Junction owns: its nftables table, ip rules in its priority range and
/// routes in its tables, plus the sysctls the plan names. Unchanged objects are left alone,
/// so applying the same plan twice changes nothing; a failure part-way undoes what was done.
/// </summary>
public sealed partial class KernelApplier
{
    private readonly KernelIo _io;

    public KernelApplier(CommandRunner runner) : this(new KernelIo(runner)) { }

    /// <summary>Through the given kernel I/O: a test that looks at the kernel as each nftables transaction commits.</summary>
    internal KernelApplier(KernelIo io)
    {
        _io = io;
        Runner = io.Runner;
    }

    public CommandRunner Runner { get; }

    /// <summary>The in-process kernel I/O this applier writes through (tests run single steps on it).</summary>
    internal KernelIo Io => _io;

    /// <summary>
    /// Order: the table first, so the ownership record is in the kernel before anything it
    /// describes; sysctls (loose rp_filter) and routes before the rules that lead to them.
    /// Only routes in tables an installed record already names go in before the table: its
    /// new chains may send connections to them at once (an uplink coming back).
    /// The kernel is read and written in this process: one libnftables transaction for the
    /// table, /proc/sys for sysctls, and one rtnetlink send for every route and rule change
    /// (<see cref="KernelBatch"/>), so a health change starts no process. When the namespace
    /// holds no Junction table, the table's transaction runs beside the rest of the read
    /// (<see cref="Begin"/>); it still commits before anything else is written.
    /// </summary>
    /// <exception cref="ApplyFailedException">the kernel refused a change; what was done is undone.</exception>
    /// <remarks>
    /// After a successful apply the applier remembers what it applied. While the kernel
    /// provably still holds that (the nftables generation is the one its write left, and no
    /// rule or route notice contradicts it), an apply whose rules, marks and ranges are
    /// unchanged reads nothing back and replaces only the chains and sets that differ, in
    /// one transaction (<see cref="NftText.UpdateScript"/>): a health change rewrites the
    /// <c>choose</c> chain and nothing else. Routes the plan adds or drops (a carrier loss
    /// plans the uplink's default routes out) are written from that memory, and sysctls the
    /// plan adds are read and written: what the plan adds before the chains, so a returning
    /// uplink's connections find its routes, what it drops after them, so a lost uplink's
    /// routes stay until no new connection is sent to them; when the kernel refuses one, the
    /// chains go back and the whole path runs. Anything else takes the
    /// whole path above. The table's ownership record keeps the plan hash of the last whole
    /// replacement; the applier answers <see cref="InstalledOwnership"/> from memory while
    /// the generation is its own. Sysctls the plan keeps are not read on the short path: one
    /// changed by hand is put back by the next whole apply.
    /// </remarks>
    public ApplyResult Apply(DesiredState plan, bool dryRun = false)
    {
        if (dryRun && Holds(plan) is { } owner0) return new ApplyResult("apply", [], true) { Owner = owner0 };
        if (!dryRun && Incremental(plan) is { } quick) return quick;
        _last = null;
        uint? generation = null;
        if (!dryRun)
        {
            // Subscribed before the kernel is read: a change from now on is noticed; what came
            // before is in what the whole path reads.
            _io.Notices.Discard();
            generation = Generation();
        }
        var (before, steps, owner, ahead) = dryRun ? Ahead.Nothing(Prepare(plan)) : Begin(plan);
        if (!dryRun)
        {
            new KernelTransaction(_io, before, "apply").Run(steps, ahead.Done, ahead.Failure);
            if (generation is { } g) Remember(plan, owner, before, g + (uint)steps.Count(s => s.NftScript is not null));
        }
        return new ApplyResult("apply", steps.Select(s => s.Change).ToList(), dryRun) { Owner = owner };
    }

    /// <summary>
    /// Applies as <see cref="Apply"/> does, and also returns the state before it: what
    /// <c>apply --confirm</c> restores when no confirm comes.
    /// </summary>
    /// <exception cref="ApplyFailedException">the kernel refused a change; what was done is undone.</exception>
    public (ApplyResult Result, KernelCheckpoint Before) ApplyWithCheckpoint(DesiredState plan)
    {
        _last = null;
        var (before, steps, owner) = Prepare(plan);
        new KernelTransaction(_io, before, "apply").Run(steps);
        return (new ApplyResult("apply", steps.Select(s => s.Change).ToList(), false) { Owner = owner }, new KernelCheckpoint(before));
    }

    /// <summary>
    /// Puts Junction's state back exactly as <paramref name="checkpoint"/> recorded it: the
    /// rules and routes in every range it names, the sysctls it holds, then the table (its
    /// listing, or none). Reconciled against a fresh read, so what is already as recorded is
    /// left alone; a failure part-way undoes the restore.
    /// </summary>
    /// <exception cref="ApplyFailedException">the kernel refused a change.</exception>
    public ApplyResult Restore(KernelCheckpoint checkpoint, string verb = "restore")
    {
        _last = null;
        var then = checkpoint.Snapshot;
        var now = Read(verb, () =>
        {
            var (rules, routes) = then.CurrentRouting(_io);
            return new KernelSnapshot(then.Owners, InstalledTable.Read(_io.Nft), rules, routes, SysctlReconciler.Read(Runner.Netns, then.Sysctls.Keys));
        });
        var steps = new List<KernelStep>();
        // The order a rollback takes: rules, routes, sysctls, and the table (with its ownership record) last.
        foreach (var family in RoutingFamilies)
            steps.AddRange(RuleReconciler.Reconcile(Of(family, now.Rules), Of(family, then.Rules)));
        foreach (var family in RoutingFamilies)
            steps.AddRange(RouteReconciler.Reconcile(Of(family, now.Routes), Of(family, then.Routes)));
        steps.AddRange(SysctlReconciler.Reconcile(now.Sysctls, then.Sysctls.Select(kv => (kv.Key, kv.Value))));
        if (now.Table?.Text != then.Table?.Text)
        {
            var change = then.Table is null
                ? new Change(ChangeAction.Remove, ChangeSubject.Nftables, $"table {DesiredState.TableFamily} {DesiredState.TableName}")
                : new Change(now.Table is null ? ChangeAction.Add : ChangeAction.Replace, ChangeSubject.Nftables,
                    $"table {DesiredState.TableFamily} {DesiredState.TableName} (as it was before)");
            steps.Add(KernelStep.Nftables(change, then.Table?.RestoreScript ?? InstalledTable.Reset));
        }
        new KernelTransaction(_io, now, verb).Run(steps);
        return new ApplyResult(verb, steps.Select(s => s.Change).ToList(), false);
    }

    /// <summary>
    /// The snapshot to roll back to and the steps that take the kernel from it to the plan.
    /// When rules or routes lie outside the plan's ranges (an older record's: rule-priority
    /// or table-base changed, or an uplink went), the first table step records the plan's
    /// ranges widened by them, and a last step narrows the record to the plan's: a process
    /// killed between any two steps leaves a record that covers everything it left behind,
    /// so the next apply or <c>junction flush</c> removes it.
    /// </summary>
    internal (KernelSnapshot Before, List<KernelStep> Steps, Ownership Owner) Prepare(DesiredState plan)
    {
        var owner = Ownership.For(plan);
        var before = Snapshot("apply", owner, plan.Sysctls.Select(s => s.Key));
        return (before, Steps(plan, owner, before), owner);
    }

    /// <summary>The steps of <see cref="Prepare"/>, from the snapshot read.</summary>
    private static List<KernelStep> Steps(DesiredState plan, Ownership owner, KernelSnapshot before)
    {
        var record = owner.Widened(
            before.Routes.Select(r => r.Table).Where(t => !owner.OwnsTable(t)),
            before.Rules.Select(r => r.Priority).Where(p => !owner.OwnsPriority(p)));

        var routes = RoutingFamilies.ToDictionary(f => f,
            f => RouteReconciler.Reconcile(Of(f, before.Routes), plan.Routes.Where(r => r.Family == f).Select(IpRoute.From)).ToList());
        // The new table's chains may send connections to an uplink that is coming back: the
        // routes written in tables the installed record already names go in before it (so
        // they are never outside a record), and such a connection finds them.
        var ahead = before.Table is { Owner: { } installed }
            ? routes.Values.SelectMany(r => r).Where(r => r.Change.Action != ChangeAction.Remove && r.Change.RouteTable is { } t && installed.OwnsTable(t)).ToList()
            : [];
        var steps = new List<KernelStep>(ahead);
        if (before.Table?.Owner != record) steps.Add(TableStep(plan, owner, record, before.Table is null));
        steps.AddRange(SysctlReconciler.Reconcile(before.Sysctls, plan.Sysctls.Select(s => (s.Key, s.Value))));
        foreach (var family in RoutingFamilies)
        {
            steps.AddRange(routes[family].Where(r => !ahead.Contains(r)));
            steps.AddRange(RuleReconciler.Reconcile(Of(family, before.Rules), plan.Rules.Where(r => r.Family == family).Select(IpRule.From)));
        }
        if (record != owner)
        {
            var change = new Change(ChangeAction.Replace, ChangeSubject.Nftables,
                $"table {DesiredState.TableFamily} {DesiredState.TableName} (ownership narrowed to tables {owner.Tables}, priorities {owner.Priorities}; plan {owner.PlanHash})");
            steps.Add(KernelStep.Nftables(change, InstalledTable.Script(plan, owner)));
        }
        return steps;
    }

    /// <summary>The step that puts the plan's table in, carrying <paramref name="record"/>; <paramref name="fresh"/>: no table is there.</summary>
    private static KernelStep TableStep(DesiredState plan, Ownership owner, Ownership record, bool fresh)
    {
        var widened = record == owner ? "" : $"; ownership widened to tables {record.Tables}, priorities {record.Priorities} while older rules and routes go";
        var change = new Change(fresh ? ChangeAction.Add : ChangeAction.Replace, ChangeSubject.Nftables,
            $"table {DesiredState.TableFamily} {DesiredState.TableName} ({plan.Uplinks.Count(u => u.Healthy)} of {plan.Uplinks.Count} uplinks balanced; plan {owner.PlanHash}{widened})");
        return KernelStep.Nftables(change, InstalledTable.Script(plan, record, fresh));
    }

    /// <summary>
    /// Removes everything the installed table's ownership record names: owned rules, routes
    /// in owned tables, then the table itself (last, so the record outlives what it
    /// describes). Sysctls are left as they are: their earlier values are not recorded,
    /// and turning forwarding off could cut a router off.
    /// </summary>
    /// <exception cref="ApplyFailedException">the kernel refused a change; what was done is undone.</exception>
    /// <param name="assumed">
    /// Ranges to clean when the table (and so its record) is gone, e.g. after 'nft flush
    /// ruleset': from the configuration the user names. Without it, nothing but the table's
    /// record is trusted.
    /// </param>
    public ApplyResult Flush(bool dryRun = false, Ownership? assumed = null)
    {
        const string verb = "flush";
        if (!dryRun) _last = null;
        var before = Snapshot(verb, assumed, []);
        if (before.Table is null && before.Rules.Count == 0 && before.Routes.Count == 0) return new ApplyResult(verb, [], dryRun);

        var steps = new List<KernelStep>();
        foreach (var family in RoutingFamilies)
        {
            steps.AddRange(RuleReconciler.Reconcile(Of(family, before.Rules), []));
            steps.AddRange(RouteReconciler.Reconcile(Of(family, before.Routes), []));
        }
        if (before.Table is not null)
        {
            var what = before.Table.Owner is null && assumed is null
                ? " (it carries no ownership record, so no rules or routes were looked for)"
                : "";
            steps.Add(KernelStep.Nftables(new Change(ChangeAction.Remove, ChangeSubject.Nftables, $"table {DesiredState.TableFamily} {DesiredState.TableName}{what}"),
                InstalledTable.DeleteScript));
        }

        if (!dryRun) new KernelTransaction(_io, before, verb).Run(steps);
        return new ApplyResult(verb, steps.Select(s => s.Change).ToList(), dryRun);
    }

    private static readonly Families[] RoutingFamilies = [Families.IPv4, Families.IPv6];

    private static List<IpRule> Of(Families family, IEnumerable<IpRule> rules) => [.. rules.Where(r => r.Family == family)];

    private static List<IpRoute> Of(Families family, IEnumerable<IpRoute> routes) => [.. routes.Where(r => r.Family == family)];

    /// <summary>What the installed table says Junction owns; null when no Junction table is installed.</summary>
    /// <remarks>Answered from memory while the kernel provably holds what this applier applied last (see <see cref="Apply"/>).</remarks>
    public Ownership? InstalledOwnership() => Provable()?.Owner ?? Read("status", () => InstalledTable.Read(_io.Nft))?.Owner;

    private KernelSnapshot Snapshot(string verb, Ownership? planned, IEnumerable<string> sysctlKeys) =>
        Read(verb, () => KernelSnapshot.Take(_io, planned, sysctlKeys));

    /// <summary>The tool that failed, without the 'ip netns exec NAME' a test runner puts in front.</summary>
    private static string Tool(string command)
    {
        var words = command.Split(' ');
        return words is ["ip", "netns", "exec", _, var program, ..] ? program : words[0];
    }

    private static T Read<T>(string verb, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (CommandFailedException e)
        {
            throw new ApplyFailedException(verb, null, $"{Tool(e.Result.Command)}: {KernelTransaction.Reason(e)}", []);
        }
        catch (Junction.Linux.Nftables.NftablesException e)
        {
            throw new ApplyFailedException(verb, null, $"nftables: {KernelTransaction.Reason(e)}", []);
        }
        catch (Interop.KernelCallException e)
        {
            throw new ApplyFailedException(verb, null, e.Message, []);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ApplyFailedException(verb, null, $"could not read iproute2's JSON: {e.Message}", []);
        }
    }
}
