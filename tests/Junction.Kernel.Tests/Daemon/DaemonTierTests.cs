using System.Text.RegularExpressions;

namespace Junction.Kernel.Tests.Daemon;

/// <summary>
/// <c>junction run</c> with a reserve uplink: isp1 and isp2 in tier 1 (weights 1:2), isp3 in
/// tier 2. Failures are silent (a drop rule inside the ISP namespace, the carrier stays
/// up), so only the probes can find them. Nothing asserts on elapsed time: each step waits
/// for the installed table to change, with the lab's bounded patience.
/// </summary>
public sealed class DaemonTierTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static DaemonLab Tiered(string failback)
    {
        var lab = DaemonLab.Start(uplinks: 3);
        lab.Header = $"lan: [lan]\n{failback}";
        lab.UplinkExtra = i => i == 3 ? "    tier: 2" : "";
        return lab;
    }

    /// <summary>All new connections on tier 1 in its shares, none on tier 2 while either tier-1 uplink is up.</summary>
    private static async Task TierOneOnly(DaemonLab lab)
    {
        lab.Run([1, 2, 1]);
        await lab.WaitBalancedOver(1, 2);
        Assert.Equal(new[] { 0, 10, 20, 0 }, await lab.Connections(30));

        lab.Blackhole(1);
        await lab.WaitBalancedOver(2);
        Assert.Equal(new[] { 0, 0, 20, 0 }, await lab.Connections(20));
        await lab.WaitForLog("uplink isp1: up -> down");
    }

    /// <summary>Both tier-1 uplinks silently dead: tier 2 takes over; connections are held on it; tier 1 comes back.</summary>
    private static async Task<Junction.Lab.HeldConnections> FailOverHoldAndReturn(DaemonLab lab)
    {
        lab.Blackhole(2);
        await lab.WaitBalancedOver(3);
        var held = await lab.Lab.Hold(10);
        Assert.Equal(new[] { 0, 0, 0, 10 }, lab.Lab.PerUplink(held.Outcomes));
        Assert.Equal(10, HeldOn(lab, held, 3));
        Assert.Equal(new[] { 0, 0, 0, 20 }, await lab.Connections(20));

        lab.Unblackhole(1);
        lab.Unblackhole(2);
        await lab.WaitBalancedOver(1, 2);
        Assert.Equal(new[] { 0, 10, 20, 0 }, await lab.Connections(30));
        return held;
    }

    private static string? StatusText(DaemonLab lab) =>
        Observe.StatusCommandTests.Cli(Linux.Processes.CommandRunner.Current, "status", "--socket", lab.SocketPath) is { Ok: true } r ? r.Stdout : null;

    /// <summary>How many of the held connections conntrack still has, marked for uplink i.</summary>
    private static int HeldOn(DaemonLab lab, Junction.Lab.HeldConnections held, int uplink)
    {
        var marks = lab.Lab.ConntrackMarks();
        return held.Outcomes.Count(o => o.Local is { } local && marks.TryGetValue(local.Port, out var m) && (m & 0x00ff0000) == (uint)uplink << 16);
    }

    [Fact]
    public async Task With_failback_new_only_the_reserve_takes_over_when_tier_1_is_dead_and_keeps_its_connections_when_it_returns()
    {
        // A hold is given so that, were new-only to flush after one, the wait below would see it.
        await using var lab = Tiered("failback: new-only\nfailback-hold: 1s");
        await TierOneOnly(lab);
        // The reserve is probed like any uplink: status shows it up, and not in use.
        await lab.WaitUntil(() => StatusText(lab) is { } t && Regex.IsMatch(t, @"(?m)^isp3\s+wan3\s+up\s+2 reserve\s")
            && Regex.IsMatch(t, @"(?m)^isp2\s+wan2\s+up\s+1 in use\s") && Regex.IsMatch(t, @"(?m)^isp1\s+wan1\s+down\s+1\s"),
            "status: isp2 in use, isp3 up in reserve, isp1 down");
        await using var held = await FailOverHoldAndReturn(lab);

        // Twice the hold that does nothing here: long enough for a wrong flush to have happened.
        await Task.Delay(TimeSpan.FromSeconds(2), Cancel);
        Assert.Equal(10, HeldOn(lab, held, 3));
        Assert.All(await held.EchoAsync(TimeSpan.FromSeconds(3), Cancel), alive => Assert.True(alive, $"a connection on the reserve was disturbed\n{lab.Log}"));
        Assert.DoesNotContain("failback:", lab.Log);
    }

    [Fact]
    public async Task With_failback_move_the_connections_left_on_the_reserve_are_flushed_after_the_hold()
    {
        await using var lab = Tiered("failback: move\nfailback-hold: 1s");
        await TierOneOnly(lab);
        await using var held = await FailOverHoldAndReturn(lab);

        await lab.WaitUntil(() => lab.ConntrackOf(3) == 0, "the reserve's conntrack entries flushed after the hold");
        await lab.WaitForLog("failback: tier 1 healthy for 1s: deleted");
        Assert.Contains("of tier-2 uplink isp3 (mark 0x30000/0xff0000)", lab.Log);
        // Their next packet is new to conntrack and leaves by tier 1 under another address: the server resets it.
        Assert.All(await held.EchoAsync(TimeSpan.FromSeconds(3), Cancel), alive => Assert.False(alive, $"a flushed connection still echoes\n{lab.Log}"));
        Assert.Equal(new[] { 0, 10, 20, 0 }, await lab.Connections(30));
    }
}
