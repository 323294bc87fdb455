using System.Text.Json;
using Junction.Kernel.Tests.Observe;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Daemon;

/// <summary>
/// <c>junction drain|undrain|down|up|auto NAME</c> against a running daemon in a lab, and the
/// guard that flushes nothing while no uplink is healthy. Overrides are kept in the lab's
/// own directory (JUNCTION_STATE_DIR), so a restarted daemon finds them.
/// </summary>
public sealed class DaemonOperatorTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string Verb(DaemonLab lab, params string[] args)
    {
        var result = StatusCommandTests.Cli(CommandRunner.Current, [.. args, "--socket", lab.SocketPath]);
        Assert.True(result.Ok, $"junction {string.Join(' ', args)}: {result.Stderr}\n{lab.Log}");
        return result.Stdout;
    }

    private static JsonElement Uplink(DaemonLab lab, string name)
    {
        var status = StatusCommandTests.Cli(CommandRunner.Current, "status", "--json", "--socket", lab.SocketPath);
        Assert.True(status.Ok, status.Stderr);
        return Find(status.Stdout, name);
    }

    /// <summary>The uplink's health state word, or null while the daemon does not answer yet (restarting).</summary>
    private static string? StateOf(DaemonLab lab, string name)
    {
        var status = StatusCommandTests.Cli(CommandRunner.Current, "status", "--json", "--socket", lab.SocketPath);
        return status.Ok ? Find(status.Stdout, name).GetProperty("state").GetString() : null;
    }

    private static JsonElement Find(string json, string name)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("daemon").GetProperty("uplinks").EnumerateArray()
            .Single(u => u.GetProperty("name").GetString() == name).Clone();
    }

    [Fact]
    public async Task Drain_keeps_held_connections_echoing_and_sends_no_new_ones()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
        await using var held = await lab.Lab.Hold(20);
        Assert.Equal(new[] { 0, 10, 10 }, lab.Lab.PerUplink(held.Outcomes));

        Assert.Contains("uplink isp2: auto (health decides) -> drained", Verb(lab, "drain", "isp2"));
        await lab.WaitBalancedOver(1);

        Assert.Equal(new[] { 0, 20, 0 }, await lab.Connections(20));
        Assert.Equal(10, lab.ConntrackOf(2));
        var alive = await held.EchoAsync(TimeSpan.FromSeconds(3), Cancel);
        for (var k = 0; k < alive.Count; k++)
            Assert.True(alive[k], $"held connection {k} (isp{lab.Topology.UplinkOf(held.Outcomes[k].Seen!.Address)}) was broken\n{lab.Log}");
        var isp2 = Uplink(lab, "isp2");
        Assert.Equal("drain", isp2.GetProperty("operator").GetString());
        Assert.Equal("up", isp2.GetProperty("state").GetString());
        Assert.Contains("operator: uplink isp2: auto -> drain", lab.Log);
        var text = StatusCommandTests.Cli(CommandRunner.Current, "status", "--socket", lab.SocketPath).Stdout;
        Assert.Contains("up (drained)", text);

        var refused = StatusCommandTests.Cli(CommandRunner.Current, "drain", "ips2", "--socket", lab.SocketPath);
        Assert.False(refused.Ok);
        Assert.Contains("no uplink is named 'ips2' in the running configuration: did you mean 'isp2'?", refused.Stderr);
        var refusedJson = StatusCommandTests.Cli(CommandRunner.Current, "drain", "ips2", "--json", "--socket", lab.SocketPath);
        Assert.Equal(refused.ExitCode, refusedJson.ExitCode);
        using (var doc = JsonDocument.Parse(refusedJson.Stdout))
        {
            Assert.False(doc.RootElement.GetProperty("ok").GetBoolean());
            Assert.Contains("no uplink is named 'ips2'", doc.RootElement.GetProperty("error").GetString());
        }

        Verb(lab, "undrain", "isp2");
        await lab.WaitBalancedOver(1, 2);
        Assert.Equal(new[] { 0, 10, 10 }, await lab.Connections(20));
    }

    [Fact]
    public async Task Forced_down_and_forced_up_survive_a_daemon_restart()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);

        Verb(lab, "down", "isp2");
        await lab.WaitBalancedOver(1);
        Assert.True(await lab.Stop() == 0, lab.Log);

        lab.Run([1, 1]);
        await lab.WaitForLog("operator: uplink isp2 is 'down' (kept from");
        // Both uplinks answer their probes, yet isp2 stays out.
        await lab.WaitUntil(() => StateOf(lab, "isp2") == "up" && StateOf(lab, "isp1") == "up", "both healthy by their probes");
        Assert.Equal(new HashSet<int> { 1 }, lab.BalancedOver());
        Assert.Equal("down", Uplink(lab, "isp2").GetProperty("operator").GetString());

        // Forced up: balanced over although its probes fail, and again after a restart.
        Verb(lab, "up", "isp2");
        await lab.WaitBalancedOver(1, 2);
        lab.Blackhole(2);
        await lab.WaitForLog("uplink isp2: up -> down (3 failed rounds in a row");
        Assert.Equal(new HashSet<int> { 1, 2 }, lab.BalancedOver());
        Assert.True(await lab.Stop() == 0, lab.Log);

        lab.Run([1, 1]);
        await lab.WaitForLog("operator: uplink isp2 is 'up' (kept from");
        await lab.WaitForLog("uplink isp2: unknown -> down (3 failed rounds in a row");
        Assert.Equal(new HashSet<int> { 1, 2 }, lab.BalancedOver());

        Verb(lab, "auto", "isp2");
        await lab.WaitBalancedOver(1);
    }

    [Fact]
    public async Task Nothing_is_flushed_while_no_uplink_is_healthy()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
        await using var held = await lab.Lab.Hold(20);
        // isp2 leaves without a flush; then isp1's probes fail (only ICMP is dropped, TCP flows).
        Verb(lab, "drain", "isp2");
        await lab.WaitBalancedOver(1);

        lab.Blackhole(1, icmpOnly: true);
        await lab.WaitForLog("applied: no uplink is healthy");

        Assert.Equal(10, lab.ConntrackOf(1));
        Assert.Equal(10, lab.ConntrackOf(2));
        Assert.DoesNotContain("conntrack: deleted", lab.Log);
        var alive = await held.EchoAsync(TimeSpan.FromSeconds(3), Cancel);
        Assert.All(alive, Assert.True);

        // An uplink is back: isp1's connections now have somewhere better to go.
        Verb(lab, "undrain", "isp2");
        await lab.WaitBalancedOver(2);
        await lab.WaitUntil(() => lab.ConntrackOf(1) == 0, "isp1's connections flushed once isp2 took new ones");
        Assert.Equal(10, lab.ConntrackOf(2));
    }
}
