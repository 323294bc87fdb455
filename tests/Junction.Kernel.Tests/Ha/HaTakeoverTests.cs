using Junction.Lab;

namespace Junction.Kernel.Tests.Ha;

/// <summary>
/// Two routers, keepalived and conntrackd as rendered by 'junction ha render', Junction on
/// both: established connections survive the primary's death, its uplinks' death and its
/// return, each on its uplink with its source address; new ones are balanced by whoever is master.
/// </summary>
[Collection(HaCollection.Name)]
public sealed class HaTakeoverTests
{
    private const int Held = 200;
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);
    // A connection is broken only when an echo takes longer than this: a takeover pauses
    // data for well under a second, a machine under load may stretch that several times.
    private static readonly TimeSpan EchoPatience = TimeSpan.FromSeconds(15);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_power_cut_of_the_primary_breaks_none_of_200_connections_and_the_standby_balances_new_ones()
    {
        await using var lab = await HaLab.Start();
        // Status shows each router's role as keepalived reported it.
        await lab.WaitUntil(() => lab.Status(1).Contains("vrrp: MASTER (reported by keepalived (pid ") && lab.Status(2).Contains("vrrp: BACKUP"), "status shows the roles");
        Assert.Contains("\"role\": \"master\"", lab.Status(1, json: true));
        await using var held = await lab.Hold(Held);
        var uplinkOf = held.Outcomes.Select(o => o.Ok ? lab.Topology.UplinkOf(o.Seen!.Address) : null).ToArray();
        AssertThirds(lab, Spread(lab, held), Held);
        await using var load = StreamingLoad.Start(held, Every, EchoPatience);
        Assert.True(await load.FlowingAsync(3, HaLab.Patience, Cancel), "data flows before the cut\n" + lab.Logs());
        await WaitReplicated(lab, held);

        lab.Pair.PowerCut(1);
        await lab.WaitUntil(() => lab.Pair.Role(2) == "MASTER" && lab.Pair.HoldsGateway(2), "router 2 takes over");
        Assert.True(await load.FlowingAsync(5, HaLab.Patience, Cancel), "data flows again after the takeover\n" + lab.Logs());

        var broken = await load.StopAsync();
        Assert.True(broken.All(b => b is null), $"{broken.Count(b => b is not null)} of {Held} broke: {string.Join("; ", broken.Where(b => b is not null).Distinct().Take(5))}\n{lab.Logs()}");
        // Each connection is still on its uplink with its SNAT address, now in router 2's kernel.
        var entries = lab.Conntrack(2);
        for (var k = 0; k < Held; k++)
        {
            var port = held.Outcomes[k].Local!.Port;
            Assert.True(entries.TryGetValue(port, out var e), $"connection {k} (port {port}) has no entry in router 2");
            Assert.Equal(uplinkOf[k], e.Uplink);
            Assert.Equal(held.Outcomes[k].Seen!.Address.ToString(), e.ReplyTo);
        }
        AssertThirds(lab, await lab.NewConnections(30), 30);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task When_every_uplink_of_the_primary_dies_the_standby_takes_over_and_none_of_200_breaks(bool blackhole)
    {
        await using var lab = await HaLab.Start();
        await using var held = await lab.Hold(Held);
        AssertThirds(lab, Spread(lab, held), Held);
        await using var load = StreamingLoad.Start(held, Every, EchoPatience);
        Assert.True(await load.FlowingAsync(3, HaLab.Patience, Cancel), "data flows before the failure\n" + lab.Logs());
        await WaitReplicated(lab, held);

        // Router 1 stays alive on the LAN and the sync link; only its uplinks fail: carrier
        // loss at its switch ports, or frames silently dropped there (only probes can tell).
        for (var i = 1; i <= 3; i++)
            if (blackhole) lab.Pair.Blackhole(1, i, on: true);
            else lab.Pair.UplinkCarrier(1, i, up: false);
        // By Junction's health signal (its priority falls by 3 x 20), not a keepalived fault:
        // router 1 is a healthy backup on the LAN.
        await lab.WaitUntil(() => lab.Pair.Role(2) == "MASTER" && lab.Pair.HoldsGateway(2) && !lab.Pair.HoldsGateway(1) && lab.Pair.Role(1) == "BACKUP",
            "router 2 takes over, router 1 backup");
        Assert.True(await load.FlowingAsync(5, HaLab.Patience, Cancel), "data flows again after the takeover\n" + lab.Logs());
        // Past the flush delay: router 1 must have left its dead uplinks' connections alone.
        await Task.Delay(TimeSpan.FromSeconds(3), Cancel);
        Assert.True(await load.FlowingAsync(5, HaLab.Patience, Cancel), "data still flows after the flush delay\n" + lab.Logs());

        var broken = await load.StopAsync();
        Assert.True(broken.All(b => b is null), $"{broken.Count(b => b is not null)} of {Held} broke: {string.Join("; ", broken.Where(b => b is not null).Distinct().Take(5))}\n{lab.Logs()}");
        Assert.DoesNotContain("conntrack: deleted", lab.JunctionLog(1));
        AssertThirds(lab, await lab.NewConnections(30), 30);
    }

    [Fact]
    public async Task The_old_primary_returns_after_a_power_cut_takes_back_and_none_of_200_breaks()
    {
        await using var lab = await HaLab.Start();
        await using var held = await lab.Hold(Held);
        AssertThirds(lab, Spread(lab, held), Held);
        await using var load = StreamingLoad.Start(held, Every, EchoPatience);
        Assert.True(await load.FlowingAsync(3, HaLab.Patience, Cancel), "data flows before the cut\n" + lab.Logs());
        await WaitReplicated(lab, held);
        lab.Pair.PowerCut(1);
        await lab.WaitUntil(() => lab.Pair.Role(2) == "MASTER" && lab.Pair.HoldsGateway(2), "router 2 takes over");
        Assert.True(await load.FlowingAsync(5, HaLab.Patience, Cancel), "data flows after the takeover\n" + lab.Logs());

        // Power back: an empty conntrack table, as after a reboot; its daemons start again
        // and conntrackd asks router 2 for everything while Junction's hold keeps router 1's
        // priority down (every uplink reported unhealthy for ha.hold-after-start).
        lab.Pair.PowerBack(1);
        lab.StartRouter(1);
        await WaitReplicated(lab, held, router: 1);
        Assert.NotEqual("MASTER", lab.Pair.Role(1));   // ha.hold-after-start: not before it has them
        await lab.WaitUntil(() => lab.Pair.Role(1) == "MASTER" && lab.Pair.HoldsGateway(1) && lab.Pair.Role(2) == "BACKUP", "router 1 takes back");
        Assert.True(await load.FlowingAsync(5, HaLab.Patience, Cancel), "data flows after router 1 took back\n" + lab.Logs());

        var broken = await load.StopAsync();
        Assert.True(broken.All(b => b is null), $"{broken.Count(b => b is not null)} of {Held} broke: {string.Join("; ", broken.Where(b => b is not null).Distinct().Take(5))}\n{lab.Logs()}");
        var entries = lab.Conntrack(1);
        for (var k = 0; k < Held; k++)
        {
            Assert.True(entries.TryGetValue(held.Outcomes[k].Local!.Port, out var e), $"connection {k} has no entry in router 1");
            Assert.Equal(lab.Topology.UplinkOf(held.Outcomes[k].Seen!.Address), e.Uplink);
        }
        await lab.WaitBalancedOver(1, 1, 2, 3);
        AssertThirds(lab, await lab.NewConnections(30), 30);
    }

    /// <summary>
    /// The pick-up race, with the commit held back: router 2 gets the virtual addresses and
    /// the traffic of established connections before conntrackd committed them. Without the
    /// guard, conntrack would pick each up as new and Junction would balance it (round-robin
    /// would move two thirds to another uplink and source address); with it, the packets are
    /// dropped unconfirmed, and once the commit lands every connection goes on where it was.
    /// </summary>
    [Fact]
    public async Task A_mid_stream_packet_before_the_commit_is_not_balanced_and_the_connection_keeps_its_uplink_after_it()
    {
        await using var lab = await HaLab.Start();
        await using var held = await lab.Hold(60);
        AssertThirds(lab, Spread(lab, held), 60);
        await using var load = StreamingLoad.Start(held, Every, TimeSpan.FromSeconds(30));
        Assert.True(await load.FlowingAsync(3, HaLab.Patience, Cancel), "data flows first\n" + lab.Logs());
        await WaitReplicated(lab, held);

        // Router 2 becomes master by hand, without its notify script: keepalived stopped
        // there, router 1 cut off, the virtual addresses added to router 2, and the
        // neighbours' ARP caches cleared as keepalived's gratuitous ARPs would update them.
        lab.Pair.KillKeepalived(2);
        lab.Pair.PowerCut(1);
        var add = new System.Text.StringBuilder().AppendLine($"addr add {LabTopology.RouterLanAddress}/24 dev {LabTopology.LanInterface}");
        for (var i = 1; i <= 3; i++) add.AppendLine($"addr add {lab.Topology.WanVirtualAddress(i)}/32 dev {lab.Topology.WanInterface(i)}");
        lab.Pair.Router(2).Run("ip", ["-batch", "-"], add.ToString()).Check();
        lab.Lab.Network.Client(1).Run("ip", "neigh", "flush", "dev", LabTopology.ClientInterface);
        for (var i = 1; i <= 3; i++) lab.Lab.Network.Isp(i).Run("ip", "neigh", "flush", "dev", LabTopology.IspRouterSide);

        // Mid-stream packets now reach router 2 from both sides (the guard's counters say
        // how many were dropped), and none of them became a connection there.
        var ports = held.Outcomes.Select(o => o.Local!.Port).ToHashSet();
        await lab.WaitUntil(() => Dropped(lab) >= 20, "mid-stream packets reach router 2 and are dropped");
        Assert.DoesNotContain(lab.Conntrack(2).Keys, ports.Contains);

        var conf = Path.Combine(lab.Pair.Directory(2), "conntrackd.conf");
        lab.Pair.Router(2).Run("conntrackd", "-C", conf, "-c").Check();
        Assert.True(await load.FlowingAsync(5, HaLab.Patience, Cancel), "data flows after the commit\n" + lab.Logs());

        var broken = await load.StopAsync();
        Assert.True(broken.All(b => b is null), $"{broken.Count(b => b is not null)} of 60 broke: {string.Join("; ", broken.Where(b => b is not null).Distinct().Take(5))}\n{lab.Logs()}");
        var entries = lab.Conntrack(2);
        for (var k = 0; k < held.Outcomes.Count; k++)
        {
            var e = entries[held.Outcomes[k].Local!.Port];
            Assert.Equal(lab.Topology.UplinkOf(held.Outcomes[k].Seen!.Address), e.Uplink);
            Assert.Equal(held.Outcomes[k].Seen!.Address.ToString(), e.ReplyTo);
        }
    }

    /// <summary>Packets router 2's guards dropped (the prerouting rule counts them).</summary>
    private static long Dropped(HaLab lab)
    {
        var chain = lab.Pair.Router(2).Run("nft", "list", "chain", "inet", "junction", "prerouting").Stdout;
        var m = System.Text.RegularExpressions.Regex.Match(chain, @"syn,ack counter packets (\d+)");
        return m.Success ? long.Parse(m.Groups[1].Value) : 0;
    }

    /// <summary>
    /// Round-robin over three equal uplinks: a third each, give or take one. Not exact: a
    /// re-apply during the burst (a probe round that reports a change late, under load)
    /// replaces the table and restarts its round-robin counter once.
    /// </summary>
    private static void AssertThirds(HaLab lab, int[] perUplink, int total)
    {
        var ok = perUplink[0] == 0 && perUplink.Sum() == total
            && perUplink.Skip(1).All(n => n >= total / 3 - 1 && n <= (total + 2) / 3 + 1);
        Assert.True(ok, $"per uplink [{string.Join(", ", perUplink)}] is not a third each of {total} (give or take one)\n{lab.Logs()}");
    }

    /// <summary>The held connections as the server saw them, per uplink; all must have opened.</summary>
    private static int[] Spread(HaLab lab, HeldConnections held)
    {
        Assert.All(held.Outcomes, o => Assert.True(o.Ok, o.Error));
        return lab.Lab.PerUplink(held.Outcomes);
    }

    /// <summary>Waits until router 2's conntrackd holds every held connection in its external cache.</summary>
    private static Task WaitReplicated(HaLab lab, HeldConnections held, int router = 2)
    {
        var conf = Path.Combine(lab.Pair.Directory(router), "conntrackd.conf");
        var ports = held.Outcomes.Select(o => $"sport={o.Local!.Port} ").ToList();
        return lab.WaitUntil(() =>
        {
            var cache = lab.Pair.Router(router).Run("conntrackd", "-C", conf, "-e").Stdout;
            return ports.All(p => cache.Contains(p, StringComparison.Ordinal));
        }, $"router {router}'s conntrackd has all {held.Outcomes.Count} connections");
    }
}
