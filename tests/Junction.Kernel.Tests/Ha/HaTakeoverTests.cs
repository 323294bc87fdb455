using Junction.Linux.Lab;

namespace Junction.Kernel.Tests.Ha;

/// <summary>
/// Two routers, keepalived and conntrackd as rendered by 'junction ha render', Junction on
/// both: established connections survive the primary's death, its uplinks' death and its
/// return, each on its uplink with its source address; new ones are balanced by whoever is master.
/// </summary>
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
        await using var held = await lab.Hold(Held);
        var uplinkOf = held.Outcomes.Select(o => o.Ok ? lab.Topology.UplinkOf(o.Seen!.Address) : null).ToArray();
        Assert.Equal(new[] { 0, 67, 67, 66 }, Spread(lab, held));
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
        Assert.Equal(new[] { 0, 10, 10, 10 }, await lab.NewConnections(30));
    }

    /// <summary>The held connections as the server saw them, per uplink; all must have opened.</summary>
    private static int[] Spread(HaLab lab, HeldConnections held)
    {
        Assert.All(held.Outcomes, o => Assert.True(o.Ok, o.Error));
        return lab.Lab.PerUplink(held.Outcomes);
    }

    /// <summary>Waits until router 2's conntrackd holds every held connection in its external cache.</summary>
    private static Task WaitReplicated(HaLab lab, HeldConnections held)
    {
        var conf = Path.Combine(lab.Pair.Directory(2), "conntrackd.conf");
        var ports = held.Outcomes.Select(o => $"sport={o.Local!.Port} ").ToList();
        return lab.WaitUntil(() =>
        {
            var cache = lab.Pair.Router(2).Run("conntrackd", "-C", conf, "-e").Stdout;
            return ports.All(p => cache.Contains(p, StringComparison.Ordinal));
        }, $"router 2's conntrackd has all {held.Outcomes.Count} connections");
    }
}
