using Junction.Cli.Daemon;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Linux.Namespaces;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// Two <c>junction apply</c> (or an apply and a flush) started at the same moment in one
/// namespace: the namespace lock serialises them, so neither's rollback or reconcile works
/// from a snapshot the other has made stale.
/// </summary>
public sealed class ConcurrentApplyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jta-lock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Two_applies_of_the_same_file_at_once_always_leave_a_complete_state()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var config = Write("junction.yaml", Configs.TwoUplinks);
        var plan = Configs.Plan(Configs.TwoUplinks);
        var applier = new KernelApplier(ns.Runner);
        for (var round = 1; round <= 10; round++)
        {
            // From nothing each round, so both runs have work to do and race for it.
            applier.Flush();
            var (a, b) = Both(ns.Runner, ["apply", "-c", config, "--wait", "60"], ["apply", "-c", config, "--wait", "60"]);

            Assert.True(a.Ok, $"round {round}: {a.Stderr}");
            Assert.True(b.Ok, $"round {round}: {b.Stderr}");
            // Complete: the table is there and nothing of the plan is missing or extra.
            Assert.NotNull(applier.InstalledOwnership());
            Assert.Empty(applier.Apply(plan, dryRun: true).Changes);
        }
    }

    [Fact]
    public void Applies_of_two_files_at_once_leave_one_of_them_whole_and_flush_then_finds_everything()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);
        var two = Write("two.yaml", Configs.TwoUplinks);
        // Another rule priority and table range: a racing rollback used to orphan one set.
        var moved = Configs.ThreeUplinks.Replace("uplinks:", "rule-priority: 2000\ntable-base: 300\nuplinks:");
        var three = Write("three.yaml", moved);
        var applier = new KernelApplier(ns.Runner);
        for (var round = 1; round <= 4; round++)
        {
            var (a, b) = Both(ns.Runner, ["apply", "-c", two, "--wait", "60"], ["apply", "-c", three, "--wait", "60"]);
            Assert.True(a.Ok && b.Ok, $"round {round}: {a.Stderr}{b.Stderr}");
            var planned = new[] { Configs.Plan(Configs.TwoUplinks), Configs.Plan(moved) };
            var winner = Assert.Single(planned, p => applier.Apply(p, dryRun: true).Changes.Count == 0);
            // Nothing of the other run is left in its own ranges (flush would not find it there).
            var loser = Ownership.For(planned.Single(p => p != winner));
            Assert.Empty(OwnedBy(ns.Runner, loser));
        }

        Assert.True(JunctionCli.Run(ns.Runner, "flush").Ok);
        KernelState.AssertFlushedTo(ns.Runner, before, sysctls);
    }

    [Fact]
    public void A_second_apply_that_cannot_wait_fails_with_exit_code_3_and_changes_nothing()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var config = Write("junction.yaml", Configs.TwoUplinks);
        var before = KernelState.Of(ns.Runner);
        // Hold the lock as a running apply would (this test process is then the holder).
        using var held = NamespaceThread.Run(ns.Name, () => NamespaceLock.Take(LockRole.Apply));

        var result = JunctionCli.Run(ns.Runner, "apply", "-c", config, "--wait", "0.5");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"another 'junction apply' (pid {Environment.ProcessId}) is changing this network namespace and did not finish within 0.5 s", result.Stderr);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
    }

    /// <summary>Rules in the owner's priority range and routes in its tables, as ip prints them.</summary>
    private static List<string> OwnedBy(CommandRunner runner, Ownership owner)
    {
        var rules = (runner.Check("ip", "rule") + runner.Check("ip", "-6", "rule")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => int.TryParse(l.Split(':')[0], out var priority) && owner.OwnsPriority(priority));
        var routes = (runner.Check("ip", "route", "show", "table", "all") + runner.Check("ip", "-6", "route", "show", "table", "all"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => System.Text.RegularExpressions.Regex.Match(l, @" table (\d+)") is { Success: true } m && owner.OwnsTable(uint.Parse(m.Groups[1].Value)));
        return [.. rules, .. routes];
    }

    private (CommandResult A, CommandResult B) Both(CommandRunner runner, string[] first, string[] second)
    {
        using var start = new Barrier(2);
        CommandResult Go(string[] args)
        {
            start.SignalAndWait();
            return JunctionCli.Run(runner, args);
        }
        var a = Task.Run(() => Go(first));
        var b = Task.Run(() => Go(second));
        return (a.Result, b.Result);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
