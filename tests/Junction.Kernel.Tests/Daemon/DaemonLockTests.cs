namespace Junction.Kernel.Tests.Daemon;

/// <summary>
/// The daemon owns its namespace's kernel state: <c>apply</c> and <c>flush</c> by hand fail at
/// once, naming it, instead of racing its next apply.
/// </summary>
public sealed class DaemonLockTests
{
    [Fact]
    public async Task Apply_and_flush_while_a_daemon_runs_fail_at_once_and_change_nothing()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
        var before = Junction(lab);
        var other = Path.Combine(Path.GetDirectoryName(lab.ConfigPath)!, "other.yaml");
        File.WriteAllText(other, lab.Lab.Config("lan: [lan]", [2, 1]));

        // A --wait longer than the test's patience: the daemon must not be waited for.
        var apply = lab.Cli("apply", "-c", other, "--wait", "600");
        var flush = lab.Cli("flush", "--json", "--wait", "600");
        var confirm = lab.Cli("apply", "-c", other, "--confirm", "60");

        Assert.Equal(3, apply.ExitCode);
        Assert.StartsWith($"error: a Junction daemon runs in this network namespace (pid {lab.Pid}) and owns its kernel state; nothing was changed", apply.Stderr.Trim());
        Assert.Contains($"kill -HUP {lab.Pid}", apply.Stderr);
        Assert.Equal(3, flush.ExitCode);
        Assert.Contains("\"busy\": true", flush.Stdout);
        Assert.Contains($"\"holderPid\": {lab.Pid}", flush.Stdout);
        Assert.Equal(3, confirm.ExitCode);
        Assert.Contains("a Junction daemon runs in this network namespace", confirm.Stderr);
        Assert.Equal(before, Junction(lab));
        Assert.True(lab.Running);
        // A dry run only reads: it still answers.
        Assert.Equal(0, lab.Cli("apply", "-c", other, "--dry-run").ExitCode);
    }

    /// <summary>
    /// What an apply or flush would change: the table's ownership record (with its plan hash),
    /// the rules, and the IPv4 routes. (The lab router's IPv6 link-local routes may still be
    /// appearing; Junction's IPv6 rules would show a change of plan.)
    /// </summary>
    private static string Junction(DaemonLab lab) =>
        $"{lab.TableComment()}\n{lab.Router.Check("ip", "rule")}{lab.Router.Check("ip", "-6", "rule")}{lab.Router.Check("ip", "-4", "route", "show", "table", "all")}";
}
