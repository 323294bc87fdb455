using Junction.Linux.Apply.Nftables;
using Junction.Linux.Apply.Routing;
using Junction.Linux.Apply.Sysctls;
using Junction.Linux.Processes;

namespace Junction.Linux.Apply;

/// <summary>
/// Runs steps in order, neighbours of one kind as one process (<see cref="KernelBatch"/>);
/// when one fails, puts every kind of object the steps touched back as the snapshot
/// recorded it, reconciling against a fresh read of the kernel (so it undoes exactly what
/// was done, whatever that was: a batch may have gone in up to its failed line, or past
/// it), then throws, naming the step that failed.
/// </summary>
internal sealed class KernelTransaction(KernelIo io, KernelSnapshot before, string verb)
{
    public void Run(IReadOnlyList<KernelStep> steps) => Run(steps, 0, null);

    /// <summary>
    /// Runs the steps from <paramref name="done"/> on: the ones before it already ran (as one
    /// batch, beside the read of the kernel: <see cref="KernelApplier"/>), and
    /// <paramref name="failed"/> is how that went. A failure there is rolled back like any other.
    /// </summary>
    public void Run(IReadOnlyList<KernelStep> steps, int done, BatchFailure? failed)
    {
        if (failed is not null) Fail(steps, 0, done, failed);
        for (var i = done; i < steps.Count;)
        {
            var n = KernelBatch.Length(steps, i);
            if (KernelBatch.Run(io, steps.Skip(i).Take(n).ToList(), before.Links.Count == 0 ? null : before.Links) is { } failure)
                Fail(steps, i, n, failure);
            i += n;
        }
    }

    /// <summary>Every step of the failed batch counts as touched: sysctl goes on past a failed key.</summary>
    private void Fail(IReadOnlyList<KernelStep> steps, int start, int n, BatchFailure failure)
    {
        var problems = Rollback(steps.Take(start + n).Select(s => s.Change.Subject).ToHashSet());
        throw new ApplyFailedException(verb, steps[start + failure.Index].Change, failure.Reason, problems);
    }

    /// <summary>In the reverse of the order apply works in: the nftables table (and its ownership record) last.</summary>
    private List<string> Rollback(HashSet<ChangeSubject> touched)
    {
        var problems = new List<string>();
        // Putting rules back does not change routes, so one read serves both.
        var now = touched.Contains(ChangeSubject.Rule) || touched.Contains(ChangeSubject.Route)
            ? new Lazy<(IReadOnlyList<IpRule> Rules, IReadOnlyList<IpRoute> Routes)>(() => before.CurrentRouting(io))
            : null;
        if (touched.Contains(ChangeSubject.Rule))
            Restore(problems, "rules", () => RuleReconciler.Reconcile(now!.Value.Rules, before.Rules));
        if (touched.Contains(ChangeSubject.Route))
            Restore(problems, "routes", () => RouteReconciler.Reconcile(now!.Value.Routes, before.Routes));
        if (touched.Contains(ChangeSubject.Sysctl))
            Restore(problems, "sysctls", () => SysctlReconciler.Reconcile(
                SysctlReconciler.Read(io.Runner.Netns, before.Sysctls.Keys), before.Sysctls.Select(kv => (kv.Key, kv.Value))));
        if (touched.Contains(ChangeSubject.Nftables))
            Restore(problems, "nftables", () =>
            [
                KernelStep.Nftables(new Change(ChangeAction.Replace, ChangeSubject.Nftables, "restore the previous table"),
                    before.Table?.RestoreScript ?? InstalledTable.Reset),
            ]);
        return problems;
    }

    /// <summary>Best effort: one step that fails does not stop the others from being undone.</summary>
    private void Restore(List<string> problems, string what, Func<IEnumerable<KernelStep>> steps)
    {
        try
        {
            foreach (var step in steps().ToList())
            {
                try
                {
                    step.Run(io);
                }
                catch (Exception e) when (e is CommandFailedException or Interop.KernelCallException)
                {
                    problems.Add($"{step.Change.Description}: {Reason(e)}");
                }
            }
        }
        catch (Exception e) when (e is CommandFailedException or Interop.KernelCallException)
        {
            problems.Add($"could not read {what} back: {Reason(e)}");
        }
    }

    /// <summary>The kernel's own words, without the command line the change already names.</summary>
    public static string Reason(Exception e) => e switch
    {
        CommandFailedException c => Reason(c),
        Junction.Linux.Nftables.NftablesException n => Lines(n.Error, "nftables refused"),
        Netlink.NetlinkException n => n.Reason,
        _ => e.Message,
    };

    private static string Lines(string text, string otherwise)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? otherwise : string.Join(" / ", lines.Take(4));
    }

    public static string Reason(CommandFailedException e)
    {
        var text = e.Result.Stderr.Trim().Length > 0 ? e.Result.Stderr : e.Result.Stdout;
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? $"exited {e.Result.ExitCode}" : string.Join(" / ", lines.Take(4));
    }
}
