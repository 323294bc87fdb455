using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Junction.Health;
using Junction.Kernel.Tests.Observe;
using Junction.Linux.Namespaces;
using Junction.Linux.Processes;
using Junction.Status;

namespace Junction.Kernel.Tests.Daemon;

/// <summary>
/// <c>junction run</c> serving what it knows: the real daemon in a lab router, asked by the
/// real CLI over its control socket and scraped on its metrics listener inside the router
/// namespace, every figure compared with what the router's kernel holds (conntrack by mark,
/// the counters of the <c>mark_&lt;uplink&gt;</c> chains).
/// </summary>
public sealed partial class DaemonStatusTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
    private const uint Mask = 0x00ff0000;

    [Fact]
    public async Task Status_explain_and_metrics_of_the_running_daemon_match_the_router_kernel()
    {
        await using var lab = DaemonLab.Start(3);
        lab.Header = "lan: [lan]\nmetrics: { listen: 127.0.0.1:9419 }";
        lab.Run([1, 2, 1]);
        await lab.WaitBalancedOver(1, 2, 3);
        await lab.WaitUntil(() => Status(lab) is { } s && s.Daemon.Uplinks.All(u => u.State == HealthState.Up), "status: every uplink up");
        await using var held = await lab.Lab.Hold(20);
        Assert.Equal(new[] { 0, 5, 10, 5 }, lab.Lab.PerUplink(held.Outcomes));

        // As stat(1) sees it: a socket of root's, mode 0600.
        Assert.Equal("socket 600 root", CommandRunner.Current.Check("stat", "-c", "%F %a %U", lab.SocketPath).Trim());

        // Probes may come and go in conntrack between two reads: compare until one pair agrees.
        await lab.WaitUntil(() => Status(lab) is { } s && Enumerable.Range(1, 3).All(i =>
            s.Uplinks[i - 1].Connections == ConntrackByMark(lab, i)), "status LIVE = conntrack -L --mark, per uplink");
        await lab.WaitUntil(() => Status(lab) is { } s && Enumerable.Range(1, 3).All(i =>
            s.Uplinks[i - 1].NewConnectionsTotal == MarkCounter(lab, i)), "status new connections = the mark chains' counters");
        var report = Status(lab)!;
        Assert.Empty(report.KernelErrors);
        // LIVE comes from the daemon's conntrack event keeper (seeded by one dump), not a dump per request.
        Assert.True(report.Counting is { FromEvents: true, Resyncs: >= 1, Overruns: 0, LastError: null }, $"counting: {report.Counting}");
        Assert.Equal(new long[] { 5, 10, 5 }, report.Uplinks.Select(u => u.NewConnections));
        Assert.Equal([0.25, 0.5, 0.25], report.Daemon.Uplinks.Select(u => u.PlannedShare));
        Assert.All(report.Daemon.Uplinks, u =>
        {
            Assert.NotNull(u.Rtt);
            Assert.Equal(0, u.Loss);
            Assert.True(u.Carrier);
            Assert.Equal(1, u.StateChanges);
        });
        Assert.True(report.Daemon.Applies.Count >= 2, $"{report.Daemon.Applies.Count} applies: the start-up plan and at least one with balancing");
        Assert.Equal(0, report.Daemon.Applies.Failures);
        Assert.False(report.Daemon.Fallback);

        foreach (var o in held.Outcomes.Take(4))
        {
            var explain = StatusCommandTests.Cli(CommandRunner.Current, "explain", $"tcp {o.Local} -> {lab.Topology.Service}", "--socket", lab.SocketPath);
            Assert.True(explain.Ok, explain.Stderr);
            Assert.Contains($"uses:   uplink 'isp{lab.Topology.UplinkOf(o.Seen!.Address)}'", explain.Stdout);
            Assert.Contains("(live)", explain.Stdout);
        }

        var metrics = await Scrape(lab.Topology.RouterNamespace, 9419);
        Assert.Contains("junction_conntrack_counts_from_events 1\n", metrics);
        Assert.Contains("junction_conntrack_event_overruns_total 0\n", metrics);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Contains($"junction_uplink_up{{uplink=\"isp{i}\",interface=\"wan{i}\"}} 1\n", metrics);
            Assert.Contains($"junction_uplink_carrier{{uplink=\"isp{i}\"}} 1\n", metrics);
            Assert.Matches($"junction_uplink_probe_rtt_seconds{{uplink=\"isp{i}\"}} [0-9.eE-]+\n", metrics);
        }
        await lab.WaitUntil(async () => await Scrape(lab.Topology.RouterNamespace, 9419) is var m && Enumerable.Range(1, 3).All(i =>
            Gauge(m, $"junction_uplink_connections{{uplink=\"isp{i}\"}}") == ConntrackByMark(lab, i)), "metrics connections = conntrack -L --mark");

        // A second daemon on the same socket is refused before it touches the kernel.
        var second = lab.RunAnother("--socket", lab.SocketPath);
        Assert.Equal(3, second.ExitCode);
        Assert.Equal($"error: another Junction daemon runs in this network namespace (pid {lab.Pid}): stop it first", second.Stderr.Trim());
        Assert.Equal(new HashSet<int> { 1, 2, 3 }, lab.BalancedOver());

        lab.Blackhole(2);
        await lab.WaitBalancedOver(1, 3);
        await lab.WaitUntil(() => Status(lab) is { } s && s.Daemon.Uplinks[1].State == HealthState.Down && s.Uplinks[1].Connections == 0,
            "status: isp2 down and its connections flushed");
        var down = Status(lab)!.Daemon.Uplinks[1];
        Assert.Contains("failed rounds in a row", down.Reason);
        Assert.Equal(2, down.StateChanges);
        Assert.Equal(0, down.PlannedShare);
        var text = StatusCommandTests.Cli(CommandRunner.Current, "status", "--socket", lab.SocketPath);
        // A short row (no RTT for a link that is down), and the reason below the table.
        Assert.Matches(@"(?m)^isp2\s+wan2\s+down\s+\S+ ago\s+-\s+\d+ %", text.Stdout);
        Assert.Matches(@"(?m)^isp2: down \S+ ago: \d+ failed rounds in a row: 10\.100\.2\.1 ", text.Stdout);
        Assert.All(text.Stdout.Split('\n'), l => Assert.True(l.Length <= 120, l));
        Assert.Contains("junction_uplink_up{uplink=\"isp2\",interface=\"wan2\"} 0\n", await Scrape(lab.Topology.RouterNamespace, 9419));
    }

    [Fact]
    public async Task A_reload_that_changes_metrics_listen_moves_the_listener_and_explain_follows_the_new_file()
    {
        await using var lab = DaemonLab.Start(2);
        lab.Header = "lan: [lan]\nmetrics: { listen: 127.0.0.1:9419 }";
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
        Assert.Contains("junction_uplink_weight{uplink=\"isp1\"} 1\n", await Scrape(lab.Topology.RouterNamespace, 9419));

        lab.Header = "lan: [lan]\nmetrics: { listen: 127.0.0.1:9420 }\npin:\n  - { to: 203.0.113.0/24, via: isp2 }";
        lab.WriteConfig([3, 1]);
        lab.Signal("HUP");
        await lab.WaitForLog("metrics listener moved: 127.0.0.1:9419 -> 127.0.0.1:9420");

        await lab.WaitUntil(async () => (await Scrape(lab.Topology.RouterNamespace, 9420)).Contains("junction_uplink_weight{uplink=\"isp1\"} 3\n"),
            "the new listener reports the new weight");
        await Assert.ThrowsAsync<HttpRequestException>(() => Scrape(lab.Topology.RouterNamespace, 9419));
        var explain = StatusCommandTests.Cli(CommandRunner.Current, "explain", "203.0.113.9", "--socket", lab.SocketPath, "--json");
        Assert.True(explain.Ok, explain.Stderr);
        using var doc = JsonDocument.Parse(explain.Stdout);
        Assert.Equal("pinned", doc.RootElement.GetProperty("decision").GetString());
        Assert.Equal("isp2", doc.RootElement.GetProperty("uplink").GetString());
        Assert.True(lab.Running, lab.Log);
    }

    [Fact]
    public async Task Uplinks_with_any_legal_name_get_their_own_counts_in_status_and_metrics()
    {
        // Chain names cannot hold every legal uplink name ('isp-1' lives in mark_isp_1):
        // the counts must follow the uplink, not the chain's text.
        string[] names = ["isp-1", "fiber-two", "lte3"];
        await using var lab = DaemonLab.Start(3);
        var config = lab.Lab.Config("lan: [lan]\nmetrics: { listen: 127.0.0.1:9419 }", [1, 2, 1]);
        for (var i = 0; i < names.Length; i++)
            config = config.Replace($"name: isp{i + 1}\n", $"name: {names[i]}\n");
        lab.RunText(config);
        await lab.WaitUntil(() => Status(lab) is { } s && s.Daemon.Uplinks.All(u => u.State == HealthState.Up), "status: every uplink up");
        await using var held = await lab.Lab.Hold(20);
        var seen = lab.Lab.PerUplink(held.Outcomes);
        Assert.Equal(new[] { 0, 5, 10, 5 }, seen);

        await lab.WaitUntil(() => Status(lab) is { } s
            && s.Uplinks.Select(u => u.NewConnectionsTotal).SequenceEqual([5L, 10L, 5L])
            && s.Uplinks.Select(u => u.Connections).SequenceEqual([5L, 10L, 5L]),
            "status: each uplink's new and live connections = what the server saw through it");
        var report = Status(lab)!;
        Assert.Equal(names, report.Uplinks.Select(u => u.Name));
        Assert.Equal(new long[] { 5, 10, 5 }, report.Uplinks.Select(u => u.NewConnections));
        await lab.WaitUntil(async () => await Scrape(lab.Topology.RouterNamespace, 9419) is var m && Enumerable.Range(0, 3).All(i =>
            Gauge(m, $"junction_uplink_connections{{uplink=\"{names[i]}\"}}") == seen[i + 1]
            && Gauge(m, $"junction_uplink_new_connections_total{{uplink=\"{names[i]}\"}}") == seen[i + 1]),
            "metrics: each uplink's live and new connections = what the server saw through it");
    }

    /// <summary><c>junction status --json</c> as a user runs it; null while it fails (not served yet).</summary>
    private static StatusReport? Status(DaemonLab lab)
    {
        var result = StatusCommandTests.Cli(CommandRunner.Current, "status", "--json", "--socket", lab.SocketPath);
        return result.Ok ? JsonSerializer.Deserialize<StatusReport>(result.Stdout, StatusJson.Options) : null;
    }

    /// <summary>Conntrack entries in the router whose Junction bits are uplink i's, as conntrack itself filters them.</summary>
    private static int ConntrackByMark(DaemonLab lab, int uplink) =>
        lab.Router.Check("conntrack", "-L", "--mark", $"0x{(uint)uplink << 16:x}/0x{Mask:x}")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>The packet counter of the uplink's mark chain: one per connection marked for it.</summary>
    private static long MarkCounter(DaemonLab lab, int uplink) =>
        long.Parse(CounterPackets().Match(lab.Router.Check("nft", "list", "chain", "inet", "junction", $"mark_isp{uplink}")).Groups[1].Value);

    private static long Gauge(string metrics, string series) =>
        long.Parse(Regex.Match(metrics, "^" + Regex.Escape(series) + @" (\d+)$", RegexOptions.Multiline).Groups[1].Value);

    /// <summary>
    /// GET /metrics on 127.0.0.1:PORT of <paramref name="netns"/>: that loopback is the
    /// namespace's own, so the socket is made on a thread inside it (a socket stays in the
    /// namespace it was made in) and then used from here.
    /// </summary>
    private static async Task<string> Scrape(string netns, int port)
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = NamespaceThread.Run(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        });
        return await http.GetStringAsync($"http://127.0.0.1:{port}/metrics", Cancel);
    }

    [GeneratedRegex(@"counter packets (\d+)")]
    private static partial Regex CounterPackets();
}
