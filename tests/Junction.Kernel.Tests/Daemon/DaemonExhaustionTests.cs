using System.Net;
using System.Net.Sockets;
using Junction.Cli.Control;
using Junction.Health;
using Junction.Linux.Namespaces;

namespace Junction.Kernel.Tests.Daemon;

/// <summary>
/// A client that opens far more connections than the daemon serves must not take its file
/// descriptors: the daemon runs with a small open-file limit (1024, as prlimit sets it) and
/// gets 2,000 idle connections on its control socket and 2,000 on its metrics listener,
/// more than it could hold if it kept them all. Probes must keep the uplinks up meanwhile.
/// The flood's 4,000 sockets live in this test process, so no other test runs beside it:
/// their libnftables contexts would get descriptors above 1024, which libnftables cannot use.
/// </summary>
[Collection(nameof(DescriptorFlood))]
public sealed class DaemonExhaustionTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
    private const int Flood = 2000;

    [Fact]
    public async Task Thousands_of_idle_connections_to_both_listeners_leave_probes_applies_and_status_working()
    {
        await using var lab = DaemonLab.Start();
        lab.Header = "lan: [lan]\nmetrics: { listen: 127.0.0.1:9421 }";
        lab.Wrapper = ["prlimit", "--nofile=1024:1024"];
        lab.Run([1, 1], "--log-level", "Trace");
        await lab.WaitBalancedOver(1, 2);
        await lab.WaitUntil(async () => await UplinksUp(lab), "status: every uplink up");

        var held = new List<Socket>();
        try
        {
            var control = OpenUnix(lab.SocketPath, held);
            var metrics = await OpenTcp(lab.Topology.RouterNamespace, new IPEndPoint(IPAddress.Loopback, 9421), held);
            Assert.True(control + metrics > 1024, $"only {control} + {metrics} connections were made: not a flood");

            // Every uplink goes through five more probe rounds while the connections are held:
            // with descriptors gone, three failed rounds would have taken it down.
            var rounds = new[] { lab.LogCount("probe isp1:"), lab.LogCount("probe isp2:") };
            await lab.WaitUntil(() => lab.LogCount("probe isp1:") >= rounds[0] + 5 && lab.LogCount("probe isp2:") >= rounds[1] + 5,
                "five probe rounds of each uplink during the flood");
            // The server drops connections that send no headers within 5 s, and closes one over
            // its limit at once: status answers then, flood or not; a loaded machine takes longer than 10 s.
            await lab.WaitUntil(async () => await UplinksUp(lab), "status answers during the flood, every uplink up", TimeSpan.FromSeconds(30));
            // An apply still works: a reload with new weights.
            lab.WriteConfig([2, 1]);
            lab.Signal("HUP");
            await lab.WaitForLog("reloaded:");
            await lab.WaitForLog("applied:", 2);
        }
        finally
        {
            foreach (var s in held) s.Dispose();
        }

        Assert.True(lab.Running, lab.Log);
        Assert.DoesNotContain("-> down", lab.Log);
        Assert.DoesNotContain("Too many open files", lab.Log);
        Assert.Equal(new HashSet<int> { 1, 2 }, lab.BalancedOver());
        await lab.WaitUntil(async () => await UplinksUp(lab), "status answers after the flood");
    }

    /// <summary>Idle connections to the Unix socket, made without blocking: one the backlog cannot take is counted out.</summary>
    private static int OpenUnix(string path, List<Socket> held)
    {
        var made = 0;
        for (var i = 0; i < Flood; i++)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { Blocking = false };
            held.Add(socket);
            try
            {
                socket.Connect(new UnixDomainSocketEndPoint(path));
                made++;
            }
            catch (SocketException)
            {
            }
        }
        return made;
    }

    /// <summary>Idle TCP connections to the router's own loopback, each given at most a few seconds to connect.</summary>
    private static async Task<int> OpenTcp(string netns, IPEndPoint to, List<Socket> held)
    {
        var sockets = NamespaceThread.Run(netns, () =>
            Enumerable.Range(0, Flood).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ToList());
        held.AddRange(sockets);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        limit.CancelAfter(TimeSpan.FromSeconds(15));
        var made = await Task.WhenAll(sockets.Select(async s =>
        {
            try
            {
                await s.ConnectAsync(to, limit.Token);
                return 1;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                return 0;
            }
        }));
        return made.Sum();
    }

    private static async Task<bool> UplinksUp(DaemonLab lab)
    {
        try
        {
            using var client = new ControlClient(lab.SocketPath);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            var report = await client.StatusAsync(timeout.Token);
            return report.Daemon.Uplinks.All(u => u.State == HealthState.Up);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SocketException or OperationCanceledException or DaemonUnavailableException or InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>Tests that hold thousands of descriptors in the test process run alone.</summary>
[CollectionDefinition(nameof(DescriptorFlood), DisableParallelization = true)]
public sealed class DescriptorFlood;
