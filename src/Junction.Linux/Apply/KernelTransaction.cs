using Junction.Linux.Apply.Nftables;
using Junction.Linux.Apply.Routing;
using Junction.Linux.Apply.Sysctls;
using Junction.Linux.Processes;

namespace Junction.Linux.Apply;

/// <summary>
/// Runs steps in order; when one fails, puts every kind of object the steps touched back
/// as the snapshot recorded it, reconciling against a fresh read of the kernel (so it
/// undoes exactly what was done, whatever that was), then throws.
/// </summary>
internal sealed class KernelTransaction(CommandRunner runner, KernelSnapshot before, string verb)
{
    public void Run(IReadOnlyList<KernelStep> steps)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            try
            {
                steps[i].Run(runner);
            }
            catch (CommandFailedException e)
            {
                var problems = Rollback(steps.Take(i + 1).Select(s => s.Change.Subject).ToHashSet());
                throw new ApplyFailedException(verb, steps[i].Change, Reason(e), problems);
            }
        }
    }

    /// <summary>In the reverse of the order apply works in: the nftables table (and its ownership record) last.</summary>
    private List<string> Rollback(HashSet<ChangeSubject> touched)
    {
        var problems = new List<string>();
        if (touched.Contains(ChangeSubject.Rule))
            Restore(problems, "rules", () => RuleReconciler.Reconcile(before.CurrentRules(runner), before.Rules));
        if (touched.Contains(ChangeSubject.Route))
            Restore(problems, "routes", () => RouteReconciler.Reconcile(before.CurrentRoutes(runner), before.Routes));
        if (touched.Contains(ChangeSubject.Sysctl))
            Restore(problems, "sysctls", () => SysctlReconciler.Reconcile(
                SysctlReconciler.Read(runner, before.Sysctls.Keys), before.Sysctls.Select(kv => (kv.Key, kv.Value))));
        if (touched.Contains(ChangeSubject.Nftables))
            Restore(problems, "nftables", () =>
            [
                new KernelStep(new Change(ChangeAction.Replace, ChangeSubject.Nftables, "restore the previous table"), "nft", ["-f", "-"],
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
                    step.Run(runner);
                }
                catch (CommandFailedException e)
                {
                    problems.Add($"{step.Change.Description}: {Reason(e)}");
                }
            }
        }
        catch (CommandFailedException e)
        {
            problems.Add($"could not read {what} back: {Reason(e)}");
        }
    }

    /// <summary>The kernel's own words, without the command line the change already names.</summary>
    public static string Reason(CommandFailedException e)
    {
        var text = e.Result.Stderr.Trim().Length > 0 ? e.Result.Stderr : e.Result.Stdout;
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? $"exited {e.Result.ExitCode}" : string.Join(" / ", lines.Take(4));
    }
}
