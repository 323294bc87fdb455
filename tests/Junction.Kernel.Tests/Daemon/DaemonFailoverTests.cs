namespace Junction.Kernel.Tests.Daemon;

/// <summary><c>junction run</c> against silent failures, found by its probes (the carrier stays up).</summary>
public sealed class DaemonFailoverTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_blackholed_uplink_loses_new_connections_and_its_conntrack_entries_then_rejoins()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
        await using var held = await lab.Lab.Hold(20);
        Assert.Equal(new[] { 0, 10, 10 }, lab.Lab.PerUplink(held.Outcomes));
        Assert.Equal(10, lab.ConntrackOf(2));

        lab.Blackhole(2);
        await lab.WaitBalancedOver(1);
        await lab.WaitUntil(() => lab.ConntrackOf(2) == 0, "isp2's conntrack entries flushed");

        Assert.Equal(10, lab.ConntrackOf(1));
        Assert.Equal(new[] { 0, 20, 0 }, await lab.Connections(20));
        var alive = await held.EchoAsync(TimeSpan.FromSeconds(3), Cancel);
        for (var k = 0; k < held.Outcomes.Count; k++)
            if (lab.Topology.UplinkOf(held.Outcomes[k].Seen!.Address) == 1)
                Assert.True(alive[k], $"connection {k} on isp1 was disturbed\n{lab.Log}");
        await lab.WaitForLog("uplink isp2: up -> down (3 failed rounds in a row");

        lab.Unblackhole(2);
        await lab.WaitBalancedOver(1, 2);
        await lab.WaitForLog("uplink isp2: down -> up (5 good rounds in a row");
        Assert.Equal(new[] { 0, 10, 10 }, await lab.Connections(20));
    }

    [Fact]
    public async Task When_probes_find_every_uplink_dead_connections_follow_the_main_table_until_one_returns()
    {
        // Only ICMP is dropped, so the probes (to each ISP's gateway) fail while TCP still
        // flows: what the fallback does to real connections can be seen. The lab router's
        // main default route is via ISP 1.
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);

        lab.Blackhole(1, icmpOnly: true);
        lab.Blackhole(2, icmpOnly: true);
        await lab.WaitBalancedOver();

        Assert.Equal(new[] { 0, 20, 0 }, await lab.Connections(20));
        Assert.Equal(0, lab.ConntrackOf(1) + lab.ConntrackOf(2));
        await lab.WaitForLog("applied: no uplink is healthy, new connections follow the main table");

        lab.Unblackhole(2);
        await lab.WaitBalancedOver(2);
        Assert.Equal(new[] { 0, 0, 10 }, await lab.Connections(10));

        lab.Unblackhole(1);
        await lab.WaitBalancedOver(1, 2);
        Assert.Equal(new[] { 0, 10, 10 }, await lab.Connections(20));
    }
}
