namespace Junction.Kernel.Tests.Daemon;

/// <summary><c>junction run</c> against link failures, which rtnetlink reports at once.</summary>
public sealed class DaemonLinkEventTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_uplink_taken_down_is_dropped_at_once_and_rejoins_with_its_route_when_it_returns()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
        await using var held = await lab.Lab.Hold(10);

        // Admin-down on the router: the kernel drops the interface's routes, so re-adding
        // isp2's default route would fail ('Nexthop has invalid gateway'); it is planned out.
        lab.Router.Check("ip", "link", "set", "wan2", "down");
        await lab.WaitBalancedOver(1);

        await lab.WaitForLog("uplink isp2: up -> down (carrier lost)");
        Assert.Equal(new[] { 0, 20, 0 }, await lab.Connections(20));
        var alive = await held.EchoAsync(TimeSpan.FromSeconds(3), Cancel);
        for (var k = 0; k < held.Outcomes.Count; k++)
            if (lab.Topology.UplinkOf(held.Outcomes[k].Seen!.Address) == 1)
                Assert.True(alive[k], $"connection {k} on isp1 was disturbed\n{lab.Log}");
        Assert.DoesNotContain("apply failed", lab.Log);

        lab.Router.Check("ip", "link", "set", "wan2", "up");
        await lab.WaitBalancedOver(1, 2);
        Assert.Contains("default via 10.100.2.1 dev wan2", lab.Router.Check("ip", "route", "show", "table", "1001"));
        // Both uplinks take new connections again. Not exactly 10/10: a last apply of the
        // link's return (the carrier and the probes' rounds report it separately) can
        // replace the choose chain during the 20 and restart the round-robin counter; on a
        // loaded machine that apply can come late, so the 20 are tried again until one set
        // falls after it (each try is 20 connections, within the wait's bounded patience).
        await lab.WaitUntil(async () => await lab.Connections(20) is [0, >= 9 and <= 11, >= 9 and <= 11],
            "20 new connections split 10/10 (±1) over isp1 and isp2 again");
    }

    [Fact]
    public async Task Carrier_lost_at_the_far_end_moves_new_connections_and_flushes_only_that_uplink()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
        await using var held = await lab.Lab.Hold(10);

        // The ISP's end goes down: the router's wan1 stays up but loses its carrier.
        lab.Lab.Lab.Network.Isp(1).Check("ip", "link", "set", "router", "down");
        await lab.WaitBalancedOver(2);
        await lab.WaitUntil(() => lab.ConntrackOf(1) == 0, "isp1's conntrack entries flushed");

        Assert.Equal(5, lab.ConntrackOf(2));
        Assert.Equal(new[] { 0, 0, 20 }, await lab.Connections(20));
        var alive = await held.EchoAsync(TimeSpan.FromSeconds(3), Cancel);
        for (var k = 0; k < held.Outcomes.Count; k++)
            if (lab.Topology.UplinkOf(held.Outcomes[k].Seen!.Address) == 2)
                Assert.True(alive[k], $"connection {k} on isp2 was disturbed\n{lab.Log}");

        lab.Lab.Lab.Network.Isp(1).Check("ip", "link", "set", "router", "up");
        await lab.WaitBalancedOver(1, 2);
        Assert.Equal(new[] { 0, 10, 10 }, await lab.Connections(20));
    }
}
