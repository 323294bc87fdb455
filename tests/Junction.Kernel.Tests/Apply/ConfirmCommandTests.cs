using System.Diagnostics;
using System.Text.Json;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// <c>junction apply --confirm SECONDS</c> and <c>junction confirm</c> through the CLI in a
/// test namespace: the timer it leaves restores the state before the apply exactly (table,
/// rules, routes, sysctls) unless confirmed. Records go to a private state directory
/// (JUNCTION_STATE_DIR), never the machine's /run/junction. Waits poll with bounded timeouts.
/// </summary>
public sealed class ConfirmCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The --confirm seconds of the tests that let the timer fire: the test has to look at the
    /// applied state (or kill the timer) before then, after the CLI exits.
    /// </summary>
    private const string ShortDeadline = "6";
    private readonly string _dir = Directory.CreateTempSubdirectory("jta-confirm-").FullName;

    private string StateDir => Path.Combine(_dir, "state");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Without_confirm_the_previous_junction_state_comes_back_exactly()
    {
        using var ns = TestNamespace.Create().Uplinks();
        Assert.True(Cli(ns, "apply", "-c", Write("two.yaml", Configs.TwoUplinks)).Ok);
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);

        // Long enough for the test to read the kernel (five commands) on a loaded machine
        // before the timer restores it: 2 s were not always.
        var applied = Cli(ns, "apply", "-c", Write("three.yaml", Moved), "--confirm", ShortDeadline);

        Assert.True(applied.Ok, applied.Stderr);
        Assert.Contains($"pending: run 'junction confirm' within {ShortDeadline} s", applied.Stdout);
        Assert.NotEqual(before.ToString(), KernelState.Of(ns.Runner).ToString());
        await WaitUntil(() => Records().Length == 0, "the timer restores and removes the record");
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
        Assert.Equal(sysctls, KernelState.Sysctls(ns.Runner, Configs.SysctlKeys));
        Assert.Contains("restored the state before it", File.ReadAllText(Path.Combine(StateDir, "confirm.log")));
    }

    [Fact]
    public async Task Without_confirm_an_apply_on_a_clean_namespace_is_undone_sysctls_included()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);

        Assert.True(Cli(ns, "apply", "-c", Write("two.yaml", Configs.TwoUplinks), "--confirm", ShortDeadline).Ok);
        Assert.NotNull(new KernelApplier(ns.Runner).InstalledOwnership());

        await WaitUntil(() => Records().Length == 0, "the timer restores and removes the record");
        Assert.Equal(sysctls, KernelState.Sysctls(ns.Runner, Configs.SysctlKeys));
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
    }

    [Fact]
    public async Task Confirm_keeps_the_new_state_past_the_deadline_and_stops_the_timer()
    {
        using var ns = TestNamespace.Create().Uplinks();
        Assert.True(Cli(ns, "apply", "-c", Write("two.yaml", Configs.TwoUplinks)).Ok);
        // Long enough for the test to read the kernel and start the CLI on a loaded machine.
        var pending = Json(Cli(ns, "apply", "-c", Write("three.yaml", Moved), "--confirm", "15", "--json"));
        var timer = pending.GetProperty("confirm").GetProperty("timer").GetInt32();
        var deadline = DateTimeOffset.Parse(pending.GetProperty("confirm").GetProperty("deadline").GetString()!);
        var after = KernelState.Of(ns.Runner);

        var confirmed = Cli(ns, "confirm");

        Assert.True(confirmed.Ok, confirmed.Stderr);
        Assert.StartsWith("confirmed: the 'apply --confirm' of", confirmed.Stdout);
        Assert.Empty(Records());
        await WaitUntil(() => !Directory.Exists($"/proc/{timer}"), "the timer exits");
        await WaitUntil(() => DateTimeOffset.UtcNow > deadline.AddSeconds(1), "the deadline passes");
        Assert.Equal(after.ToString(), KernelState.Of(ns.Runner).ToString());
        Assert.Empty(new KernelApplier(ns.Runner).Apply(Configs.Plan(Moved), dryRun: true).Changes);
    }

    [Fact]
    public void While_pending_apply_and_flush_refuse_and_confirm_rollback_restores_at_once()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var two = Write("two.yaml", Configs.TwoUplinks);
        Assert.True(Cli(ns, "apply", "-c", two).Ok);
        var before = KernelState.Of(ns.Runner);
        Assert.True(Cli(ns, "apply", "-c", Write("three.yaml", Moved), "--confirm", "600").Ok);
        var after = KernelState.Of(ns.Runner);

        var apply = Cli(ns, "apply", "-c", two);
        var flush = Cli(ns, "flush");

        Assert.Equal(3, apply.ExitCode);
        Assert.Contains("an 'apply --confirm' of", apply.Stderr);
        Assert.Contains("is pending in this network namespace until", apply.Stderr);
        Assert.Equal(3, flush.ExitCode);
        Assert.Equal(after.ToString(), KernelState.Of(ns.Runner).ToString());

        var rollback = Cli(ns, "confirm", "--rollback");
        Assert.True(rollback.Ok, rollback.Stderr);
        Assert.StartsWith("rolled back:", rollback.Stdout);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
        Assert.Empty(Records());

        var nothing = Cli(ns, "confirm");
        Assert.Equal(1, nothing.ExitCode);
        Assert.Contains("nothing to confirm", nothing.Stderr);
    }

    [Fact]
    public async Task A_killed_timer_leaves_the_restore_to_the_next_command_after_the_deadline()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var two = Write("two.yaml", Configs.TwoUplinks);
        Assert.True(Cli(ns, "apply", "-c", two).Ok);
        var before = KernelState.Of(ns.Runner);
        var pending = Json(Cli(ns, "apply", "-c", Write("three.yaml", Moved), "--confirm", ShortDeadline, "--json"));
        var timer = pending.GetProperty("confirm").GetProperty("timer").GetInt32();
        var deadline = DateTimeOffset.Parse(pending.GetProperty("confirm").GetProperty("deadline").GetString()!);

        // Killed before its deadline, which leaves the CLI time to exit on a loaded machine.
        CommandRunner.Current.Check("kill", "-KILL", timer.ToString());
        await WaitUntil(() => DateTimeOffset.UtcNow > deadline.AddSeconds(1), "the deadline passes");
        Assert.Single(Records());

        // Before it does anything, the next apply restores what the dead timer owed.
        var next = Cli(ns, "apply", "-c", two);

        Assert.True(next.Ok, next.Stderr);
        Assert.Contains("its timer is gone: restored the state before it", next.Stderr);
        Assert.Contains("apply: no changes", next.Stdout);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
        Assert.Empty(Records());
    }

    [Fact]
    public void Confirm_with_dry_run_or_out_of_range_is_a_usage_error_and_changes_nothing()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var before = KernelState.Of(ns.Runner);
        var two = Write("two.yaml", Configs.TwoUplinks);

        var dry = Cli(ns, "apply", "-c", two, "--confirm", "10", "--dry-run");
        var zero = Cli(ns, "apply", "-c", two, "--confirm", "0");

        Assert.Equal(2, dry.ExitCode);
        Assert.Contains("--confirm and --dry-run do not go together", dry.Stderr);
        Assert.Equal(2, zero.ExitCode);
        Assert.Contains("--confirm 0: give the seconds", zero.Stderr);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
        Assert.Empty(Records());
    }

    /// <summary><see cref="Configs.ThreeUplinks"/> in other rule-priority and table ranges, so a restore must clean the new ranges too.</summary>
    private static string Moved => Configs.ThreeUplinks.Replace("uplinks:", "rule-priority: 2000\ntable-base: 300\nuplinks:");

    private string[] Records() => Directory.Exists(StateDir) ? Directory.GetFiles(StateDir, "confirm-*.json") : [];

    private CommandResult Cli(TestNamespace ns, params string[] args) =>
        ns.Runner.Run("env", [$"JUNCTION_STATE_DIR={StateDir}", JunctionCli.Dotnet, JunctionCli.Dll, .. args], timeout: Patience * 2);

    private static async Task WaitUntil(Func<bool> done, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.Elapsed > Patience) Assert.Fail($"not within {Patience.TotalSeconds} s: {what}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static JsonElement Json(CommandResult result)
    {
        Assert.True(result.Ok, $"{result.Command}: {result.Stderr}");
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.Clone();
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
