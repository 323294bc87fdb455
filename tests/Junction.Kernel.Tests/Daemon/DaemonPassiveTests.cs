using System.Net;
using System.Text.Json;
using Junction.Kernel.Tests.Observe;
using Junction.Lab;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Daemon;

/// <summary>
/// Passive health against the real kernel: conntrack events of a client's new connections
/// through the lab router. Probes are slowed to 5 s × 3 rounds, so an uplink found down
/// within the test's patience (10 s) can only have been found by passive health; the tests
/// assert on the reason the daemon gives, never on elapsed time.
/// </summary>
public sealed class DaemonPassiveTests
{
    private const string SlowProbes = "    probe: { interval: 5s, down-after: 3 }";

    /// <summary>Ten service addresses on the server (no listener on them: a SYN gets a RST, which is an answer).</summary>
    private static IReadOnlyList<IPEndPoint> Destinations(DaemonLab lab)
    {
        var list = Enumerable.Range(11, 10).Select(i => IPAddress.Parse($"198.51.100.{i}")).ToList();
        foreach (var a in list) lab.Lab.Lab.Network.Server.Check("ip", "addr", "add", $"{a}/32", "dev", "lo");
        return [.. list.Select(a => new IPEndPoint(a, 7000))];
    }

    private static string Reason(DaemonLab lab, string uplink)
    {
        var status = StatusCommandTests.Cli(CommandRunner.Current, "status", "--json", "--socket", lab.SocketPath);
        Assert.True(status.Ok, status.Stderr);
        using var doc = JsonDocument.Parse(status.Stdout);
        return doc.RootElement.GetProperty("daemon").GetProperty("uplinks").EnumerateArray()
            .Single(u => u.GetProperty("name").GetString() == uplink).GetProperty("reason").GetString()!;
    }

    private static async Task<int> Warm(DaemonLab lab, Func<int> answered)
    {
        await lab.WaitUntil(() => answered() >= 60, "the client's first 60 connections answered");
        return answered();
    }

    [Fact]
    public async Task Passive_detection_takes_a_blackholed_busy_uplink_down_before_its_probes_would()
    {
        await using var lab = DaemonLab.Start();
        lab.UplinkExtra = _ => SlowProbes;
        lab.Run([1, 1], "--log-level", "Debug");
        await lab.WaitBalancedOver(1, 2);
        var destinations = Destinations(lab);
        using var stop = new CancellationTokenSource();
        var answered = 0;
        var traffic = TrafficLoop.RunAsync(lab.Topology.ClientNamespace(1), destinations, 50, TimeSpan.FromSeconds(1), stop.Token,
            ok => { if (ok) Interlocked.Increment(ref answered); });
        try
        {
            await Warm(lab, () => Volatile.Read(ref answered));

            lab.Blackhole(2);
            await lab.WaitForLog("uplink isp2: up -> down (passive:");
            await lab.WaitBalancedOver(1);
        }
        finally
        {
            await stop.CancelAsync();
            await traffic;
        }
        Assert.Contains("uplink isp2 suspect (passive:", lab.Log);
        Assert.Contains("a burst of 3 probes failed", lab.Log);
        Assert.DoesNotContain("uplink isp1: up -> down", lab.Log);
        Assert.StartsWith("passive: ", Reason(lab, "isp2"));
    }

    [Fact]
    public async Task A_dead_destination_changes_no_state()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
        var destinations = Destinations(lab);
        // The server stops answering on one of its addresses, whichever uplink a SYN comes by.
        lab.Lab.Lab.Network.Server.Run("nft", ["-f", "-"],
            "table inet dead {\n chain pre { type filter hook prerouting priority -300; policy accept; ip daddr 198.51.100.11 drop; }\n}\n").Check();
        using var stop = new CancellationTokenSource();
        var answered = 0;
        var unanswered = 0;
        var traffic = TrafficLoop.RunAsync(lab.Topology.ClientNamespace(1), destinations, 50, TimeSpan.FromSeconds(1), stop.Token,
            ok => Interlocked.Increment(ref ok ? ref answered : ref unanswered));
        try
        {
            await Warm(lab, () => Volatile.Read(ref answered));
            // Many connections to the dead address go unanswered on both uplinks meanwhile.
            await lab.WaitUntil(() => Volatile.Read(ref unanswered) >= 30, "30 connections to the dead destination unanswered");
        }
        finally
        {
            await stop.CancelAsync();
            await traffic;
        }
        Assert.DoesNotContain("suspect", lab.Log);
        Assert.DoesNotContain("-> down", lab.Log);
        Assert.Equal(new HashSet<int> { 1, 2 }, lab.BalancedOver());
    }
}
