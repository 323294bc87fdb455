using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Junction.Cli.Control;
using Junction.Explain;
using Junction.Kernel.Tests.Balancing;
using Junction.Lab;

namespace Junction.Kernel.Tests.Observe;

/// <summary>
/// The control server started in-process with a fake daemon, reading a lab router's kernel:
/// its socket's permissions, status and explain over the Unix socket with a real HttpClient,
/// and metrics scraped over TCP on 127.0.0.1 (the only address outside a lab used here).
/// </summary>
public sealed class ControlServerTests : IDisposable
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
    private readonly string _dir = Directory.CreateTempSubdirectory("jto-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Socket => Path.Combine(_dir, "run", "junction.sock");

    private Task<ControlServer> Start(BalancedLab lab, bool metrics = false, params string[] down) =>
        ControlServer.StartAsync(new FakeStatusSource(lab.Model!, "lab.yaml", down), lab.Model!, lab.Lab.Network.Router,
            new ControlOptions { SocketPath = Socket, MetricsListen = metrics ? new IPEndPoint(IPAddress.Loopback, 0) : null }, Cancel);

    [Fact]
    public async Task The_socket_is_root_only_in_a_private_directory_and_removed_on_stop()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2 });
        lab.Apply(lab.Config("lan: [lan]", [1, 1]));
        var server = await Start(lab);
        await using (server)
        {
            // As stat(1) sees them: a socket of root's, mode 0600, in a directory of mode 0700.
            Assert.Equal("socket 600 root", Program("stat", "-c", "%F %a %U", Socket).Trim());
            Assert.Equal("700", Program("stat", "-c", "%a", Path.GetDirectoryName(Socket)!).Trim());
            Assert.Null(server.MetricsEndpoint);
        }
        Assert.False(File.Exists(Socket));
    }

    [Fact]
    public async Task A_stale_socket_is_replaced_and_a_live_one_is_refused()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 1 });
        lab.Apply(lab.Config("lan: [lan]", [1]));
        Directory.CreateDirectory(Path.GetDirectoryName(Socket)!);
        // What a killed daemon leaves: a socket file nobody listens on. .NET unlinks the sockets
        // it bound when they close, so keep a second name for the file and move it back.
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            dead.Bind(new UnixDomainSocketEndPoint(Socket));
            Program("ln", Socket, Socket + ".keep");
        }
        File.Move(Socket + ".keep", Socket);
        Assert.True(File.Exists(Socket));

        await using var server = await Start(lab);
        using var client = new ControlClient(Socket);
        Assert.Single((await client.StatusAsync(Cancel)).Uplinks);

        var second = await Assert.ThrowsAsync<ListenFailedException>(() => Start(lab));
        Assert.Contains("another Junction daemon", second.Message);
    }

    [Fact]
    public async Task A_path_that_is_not_a_socket_is_refused_and_left_alone()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 1 });
        lab.Apply(lab.Config("lan: [lan]", [1]));
        Directory.CreateDirectory(Path.GetDirectoryName(Socket)!);
        // --socket pointed at a file by mistake (nothing answers there): it must survive.
        File.WriteAllText(Socket, "precious");
        var file = await Assert.ThrowsAsync<ListenFailedException>(() => Start(lab));
        Assert.Contains("is a regular file, not a socket", file.Message);
        Assert.Equal("precious", File.ReadAllText(Socket));

        // A symbolic link is not followed, nor removed.
        File.Delete(Socket);
        var target = Path.Combine(_dir, "target");
        File.WriteAllText(target, "precious");
        File.CreateSymbolicLink(Socket, target);
        var link = await Assert.ThrowsAsync<ListenFailedException>(() => Start(lab));
        Assert.Contains("is a symbolic link", link.Message);
        Assert.Equal("precious", File.ReadAllText(Socket));

        File.Delete(Socket);
        Directory.CreateDirectory(Socket);
        var dir = await Assert.ThrowsAsync<ListenFailedException>(() => Start(lab));
        Assert.Contains("is a directory", dir.Message);
        Assert.True(Directory.Exists(Socket));
    }

    [Fact]
    public async Task Status_over_the_socket_reports_what_the_kernel_holds()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 3 });
        lab.Apply(lab.Config("lan: [lan]", [1, 1, 2]));
        await using var server = await Start(lab);
        await using var held = await lab.Hold(20);
        var seen = lab.PerUplink(held.Outcomes);
        Assert.Equal(new[] { 0, 5, 5, 10 }, seen);

        using var client = new ControlClient(Socket);
        var report = await client.StatusAsync(Cancel);

        Assert.Equal(["isp1", "isp2", "isp3"], report.Daemon.Uplinks.Select(u => u.Name));
        Assert.Equal(new long[] { 5, 5, 10 }, report.Uplinks.Select(u => u.Connections));
        Assert.Equal(new long[] { 5, 5, 10 }, report.Uplinks.Select(u => u.NewConnections));
        Assert.Equal(0.5, report.Uplinks[2].NewShare);
        Assert.Equal(20, report.Connections);
        Assert.Empty(report.KernelErrors);
        Assert.All(report.Uplinks, u => Assert.True(u.TransmitBytes > 0));
        var marks = lab.ConntrackMarks();
        Assert.Equal(marks.Values.Count(m => m == lab.Model!.Marks.Value(3)), report.Uplinks[2].Connections);
    }

    [Fact]
    public async Task A_plain_HttpClient_over_the_socket_gets_json()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2 });
        lab.Apply(lab.Config("lan: [lan]", [1, 1]));
        await using var server = await Start(lab);
        using var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(Socket), ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        });

        var response = await http.GetAsync("http://localhost/v1/status", Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("round-robin", doc.RootElement.GetProperty("daemon").GetProperty("balance").GetString());
        Assert.Equal("up", doc.RootElement.GetProperty("daemon").GetProperty("uplinks")[0].GetProperty("state").GetString());

        var bad = await http.GetAsync("http://localhost/v1/explain?c=nonsense", Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/json", bad.Content.Headers.ContentType?.MediaType);
        Assert.Contains("is not an address", await bad.Content.ReadAsStringAsync(Cancel));
        var none = await http.GetAsync("http://localhost/v1/explain", Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Contains("give the connection as ?c=", await none.Content.ReadAsStringAsync(Cancel));

        // A server without an operator (the daemon has one) refuses overrides with 404 and says so;
        // a path another method serves is 405, HEAD included; an unknown path 404.
        var op = await http.PostAsync("http://localhost/v1/operator?uplink=isp1&mode=drain", null, Cancel);
        Assert.Equal(HttpStatusCode.NotFound, op.StatusCode);
        Assert.Contains("takes no operator requests", await op.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("http://localhost/v1/status", null, Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "http://localhost/metrics"), Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("http://localhost/v2/status", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Metrics_are_scraped_over_tcp_and_that_listener_serves_nothing_else()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2 });
        lab.Apply(lab.Config("lan: [lan]", [1, 1]), "isp2");
        await using var server = await Start(lab, metrics: true, "isp2");
        await using var held = await lab.Hold(6);
        Assert.Equal(new[] { 0, 6, 0 }, lab.PerUplink(held.Outcomes));

        var endpoint = server.MetricsEndpoint!;
        Assert.NotEqual(0, endpoint.Port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{endpoint}/") };
        var response = await http.GetAsync("metrics", Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0.0.4", response.Content.Headers.ContentType?.Parameters.Single(p => p.Name == "version").Value);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.Contains("junction_uplink_up{uplink=\"isp1\",interface=\"wan1\"} 1\n", text);
        Assert.Contains("junction_uplink_up{uplink=\"isp2\",interface=\"wan2\"} 0\n", text);
        Assert.Contains("junction_uplink_connections{uplink=\"isp1\"} 6\n", text);
        Assert.Contains("junction_uplink_connections{uplink=\"isp2\"} 0\n", text);
        Assert.Contains("junction_uplink_new_connections_total{uplink=\"isp1\"} 6\n", text);
        Assert.Contains("# TYPE junction_applies_total counter\n", text);

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("v1/status", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("v1/explain?c=1.1.1.1", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Explain_through_the_daemon_names_the_uplink_of_a_live_connection()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2 });
        lab.Apply(lab.Config("lan: [lan]", [1, 1]));
        await using var server = await Start(lab);
        await using var held = await lab.Hold(4);
        using var client = new ControlClient(Socket);

        foreach (var o in held.Outcomes)
        {
            var uplink = lab.Topology.UplinkOf(o.Seen!.Address)!.Value;
            var e = await client.ExplainAsync(ConnectionQuery.Parse($"tcp {o.Local} -> {lab.Topology.Service}"), Cancel);
            Assert.NotNull(e.Live);
            Assert.Equal($"isp{uplink}", e.Uplink);
            Assert.Equal(lab.Topology.WanAddress(uplink).ToString(), e.Live!.SeenSource);
            Assert.Equal("balance round-robin", e.Rule);
        }

        var wouldBe = await client.ExplainAsync(ConnectionQuery.Parse($"tcp {lab.Topology.Service}"), Cancel);
        Assert.Null(wouldBe.Live);
        Assert.Equal(Decision.Balanced, wouldBe.Decision);
        var local = await client.ExplainAsync(ConnectionQuery.Parse(lab.Topology.WanAddress(1).ToString()), Cancel);
        Assert.Equal(Decision.NeverBalanced, local.Decision);
    }

    private static string Program(string file, params string[] args) =>
        Junction.Linux.Processes.CommandRunner.Current.Check(file, args);
}
