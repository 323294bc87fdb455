using System.Text.Json;
using Junction.Kernel.Tests.Observe;
using Junction.Linux.Processes;
using Junction.Status;

namespace Junction.Kernel.Tests.Daemon;

/// <summary>
/// Issue 11, defect 6: an uplink whose gateway is not on its interface's networks passes
/// validation, and the kernel refuses its default route. <c>junction run</c> plans that
/// uplink out, says so in its log and status, and keeps balancing over the others.
/// </summary>
public sealed class DaemonGatewayTests
{
    [Fact]
    public async Task An_unroutable_gateway_is_planned_out_and_the_other_uplinks_keep_balancing()
    {
        await using var lab = DaemonLab.Start(3);
        lab.Run([1, 1, 1]);
        await lab.WaitBalancedOver(1, 2, 3);
        var good = File.ReadAllText(lab.ConfigPath);

        // 10.99.3.1 is on none of wan3's networks (10.100.3.0/24).
        lab.WriteConfigText(good.Replace("gateway: 10.100.3.1", "gateway: 10.99.3.1"));
        lab.Signal("HUP");
        await lab.WaitForLog("uplink isp3 planned out: the kernel refused its default route: gateway 10.99.3.1 is not reachable on wan3");
        await lab.WaitBalancedOver(1, 2);

        Assert.Equal(new[] { 0, 10, 10, 0 }, await lab.Connections(20));
        Assert.Equal("", lab.Router.Check("ip", "route", "show", "table", "1002"));
        await lab.WaitForLog("routes of isp3 left out");
        Assert.Equal(1, lab.LogCount("planned out: the kernel refused"));
        var status = StatusCommandTests.Cli(CommandRunner.Current, "status", "--json", "--socket", lab.SocketPath);
        Assert.True(status.Ok, status.Stderr);
        var report = JsonSerializer.Deserialize<StatusReport>(status.Stdout, StatusJson.Options)!;
        Assert.Contains("gateway 10.99.3.1 is not reachable on wan3", report.Daemon.Uplinks[2].PlannedOut);
        Assert.Null(report.Daemon.Uplinks[0].PlannedOut);
        Assert.Equal(0, report.Daemon.Uplinks[2].PlannedShare);
        Assert.Null(report.Daemon.Applies.LastError);
        var text = StatusCommandTests.Cli(CommandRunner.Current, "status", "--socket", lab.SocketPath);
        Assert.Contains("isp3: planned out: the kernel refused its default route", text.Stdout.Replace("\n    ", " "));

        // Fixed in the file: the next reload tries it again and it rejoins.
        lab.WriteConfigText(good);
        lab.Signal("HUP");
        await lab.WaitBalancedOver(1, 2, 3);
        Assert.Contains("default via 10.100.3.1 dev wan3", lab.Router.Check("ip", "route", "show", "table", "1002"));
        Assert.True(lab.Running, lab.Log);
    }

    [Fact]
    public async Task A_daemon_that_starts_with_an_unroutable_gateway_balances_over_the_rest()
    {
        await using var lab = DaemonLab.Start(2);
        lab.RunText(lab.Lab.Config("lan: [lan]", [1, 1]).Replace("gateway: 10.100.1.1", "gateway: 10.99.1.1"));

        await lab.WaitBalancedOver(2);
        await lab.WaitForLog("uplink isp1 planned out: the kernel refused its default route: gateway 10.99.1.1 is not reachable on wan1");

        Assert.Equal(new[] { 0, 0, 10 }, await lab.Connections(10));
        Assert.DoesNotContain("apply failed", lab.Log);
        Assert.True(lab.Running, lab.Log);
    }
}
