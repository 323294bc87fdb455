namespace Junction.Kernel.Tests.Daemon;

/// <summary><c>junction run</c>'s signals: SIGHUP reloads, SIGTERM stops (leaving or flushing the kernel state).</summary>
public sealed class DaemonLifecycleTests
{
    [Fact]
    public async Task Sighup_applies_a_valid_new_file_keeps_the_old_one_on_errors_and_sigterm_leaves_the_table()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);

        lab.WriteConfig([3, 1]);
        lab.Signal("HUP");
        await lab.WaitForLog("reloaded: 2 uplinks; health state kept");
        await lab.WaitUntil(() => lab.Router.Check("nft", "list", "table", "inet", "junction").Contains("numgen inc mod 4"), "the 3:1 table");
        Assert.Equal(new[] { 0, 30, 10 }, await lab.Connections(40));

        lab.WriteConfigText("balance: fastest\n" + lab.Lab.Config("lan: [lan]", [1, 1]));
        lab.Signal("HUP");
        await lab.WaitForLog("reload rejected");
        Assert.Contains("config error: ", lab.Log);
        Assert.Contains("'fastest' is not a valid value", lab.Log);
        Assert.True(lab.Running);
        Assert.Equal(new[] { 0, 30, 10 }, await lab.Connections(40));

        Assert.True(await lab.Stop() == 0, lab.Log);
        Assert.Contains("kernel state left in place", lab.Log);
        Assert.Equal(new HashSet<int> { 1, 2 }, lab.BalancedOver());
    }

    [Fact]
    public async Task Flush_on_exit_removes_the_table_rules_and_routes()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1], "--flush-on-exit");
        await lab.WaitBalancedOver(1, 2);

        Assert.True(await lab.Stop() == 0, lab.Log);

        Assert.False(lab.Router.Run("nft", "list", "table", "inet", "junction").Ok, lab.Log);
        Assert.DoesNotContain("lookup 1000", lab.Router.Check("ip", "rule"));
        Assert.Equal("", lab.Router.Run("ip", "route", "show", "table", "1000").Stdout.Trim());
    }
}
