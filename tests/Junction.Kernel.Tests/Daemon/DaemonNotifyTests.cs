using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Junction.Cli.Control;

namespace Junction.Kernel.Tests.Daemon;

/// <summary>
/// <c>junction run</c> under a stand-in for systemd: NOTIFY_SOCKET names a datagram socket
/// the test binds, WATCHDOG_USEC asks for pings, and the messages are read as systemd would.
/// </summary>
public sealed class DaemonNotifyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jtd-notify-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Ready_once_applied_and_serving_then_watchdog_pings_status_changes_reload_and_stopping()
    {
        var path = Path.Combine(_dir, "notify");
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(new UnixDomainSocketEndPoint(path));
        var seen = new List<string>();
        await using var lab = DaemonLab.Start();
        lab.Environment["NOTIFY_SOCKET"] = path;
        lab.Environment["WATCHDOG_USEC"] = "1000000";   // pings every 0.5 s
        lab.Run([1, 1]);

        var ready = await Next(systemd, seen, lab, m => m.StartsWith("READY=1", StringComparison.Ordinal), "READY=1");
        // READY=1 comes after the first apply and once the control socket answers.
        Assert.Matches(@"^READY=1\nSTATUS=\d of 2 uplinks up", ready);
        Assert.Equal(["READY=1"], seen.Take(1).Select(m => m.Split('\n')[0]));
        Assert.NotNull(lab.BalancedOver());
        using (var client = new ControlClient(lab.SocketPath))
            Assert.Equal(2, (await client.StatusAsync(TestContext.Current.CancellationToken)).Uplinks.Count);

        await Next(systemd, seen, lab, m => m == "WATCHDOG=1", "WATCHDOG=1");
        await Next(systemd, seen, lab, m => m == "WATCHDOG=1", "a second WATCHDOG=1");
        await lab.WaitBalancedOver(1, 2);
        if (!seen.Any(m => m.Contains("STATUS=2 of 2 uplinks up", StringComparison.Ordinal)))
            await Next(systemd, seen, lab, m => m == "STATUS=2 of 2 uplinks up", "STATUS=2 of 2 uplinks up");

        lab.Blackhole(2);
        await Next(systemd, seen, lab, m => m.StartsWith("STATUS=1 of 2 uplinks up; isp2 down (3 failed rounds in a row", StringComparison.Ordinal),
            "STATUS naming isp2 down");

        lab.Signal("HUP");
        await Next(systemd, seen, lab, m => m.StartsWith("RELOADING=1\nMONOTONIC_USEC=", StringComparison.Ordinal), "RELOADING=1");
        await Next(systemd, seen, lab, m => m.StartsWith("READY=1", StringComparison.Ordinal), "READY=1 after the reload");

        Assert.True(await lab.Stop() == 0, lab.Log);
        await Next(systemd, seen, lab, m => m == "STOPPING=1", "STOPPING=1", exited: true);
        Assert.False(File.Exists(lab.SocketPath), "the control socket is removed on exit");
    }

    /// <summary>Reads messages until one matches; fails after <see cref="DaemonLab.Patience"/> with every message and the log.</summary>
    private static async Task<string> Next(Socket socket, List<string> seen, DaemonLab lab, Func<string, bool> match, string what, bool exited = false)
    {
        var deadline = Stopwatch.StartNew();
        var buffer = new byte[4096];
        while (deadline.Elapsed < DaemonLab.Patience)
        {
            if (!exited && !lab.Running) break;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            wait.CancelAfter(TimeSpan.FromMilliseconds(500));
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                continue;
            }
            var message = Encoding.UTF8.GetString(buffer, 0, n);
            seen.Add(message);
            if (match(message)) return message;
        }
        Assert.Fail($"no {what} (running: {lab.Running}); received:\n{string.Join("\n--\n", seen)}\n--- daemon log ---\n{lab.Log}");
        return "";
    }
}
