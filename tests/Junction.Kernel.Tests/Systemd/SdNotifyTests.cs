using System.Net.Sockets;
using System.Text;
using Junction.Linux.Systemd;

namespace Junction.Kernel.Tests.Systemd;

/// <summary>sd_notify against a real Unix datagram socket, standing where systemd's would.</summary>
public sealed class SdNotifyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jto-notify-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (Socket Socket, Func<string> Receive) Listen(string name)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(name));
        socket.ReceiveTimeout = 5000;
        return (socket, () =>
        {
            var buffer = new byte[4096];
            return Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer));
        });
    }

    [Fact]
    public void Ready_status_and_watchdog_reach_a_socket_given_by_path()
    {
        var path = Path.Combine(_dir, "notify");
        var (socket, receive) = Listen(path);
        using (socket)
        {
            var notify = new SdNotify(path, "10000000", null);
            Assert.True(notify.Enabled);
            Assert.Equal(TimeSpan.FromSeconds(5), notify.WatchdogInterval);

            Assert.True(notify.Ready("3 uplinks up"));
            Assert.Equal("READY=1\nSTATUS=3 uplinks up", receive());
            Assert.True(notify.Status("isp2 down: 3 bad rounds"));
            Assert.Equal("STATUS=isp2 down: 3 bad rounds", receive());
            Assert.True(notify.Watchdog());
            Assert.Equal("WATCHDOG=1", receive());
            Assert.True(notify.Stopping());
            Assert.Equal("STOPPING=1", receive());
            Assert.True(notify.Reloading());
            Assert.Matches("^RELOADING=1\nMONOTONIC_USEC=[0-9]+$", receive());
        }
    }

    [Fact]
    public void An_abstract_socket_is_written_with_a_leading_at()
    {
        var name = $"junction-test-{Guid.NewGuid():N}";
        var (socket, receive) = Listen("\0" + name);
        using (socket)
        {
            Assert.True(new SdNotify("@" + name).Ready());
            Assert.Equal("READY=1", receive());
        }
    }

    [Fact]
    public void Outside_systemd_every_call_does_nothing()
    {
        var notify = new SdNotify(null, null, null);
        Assert.False(notify.Enabled);
        Assert.False(notify.Ready());
        Assert.False(notify.Watchdog());
        Assert.Null(notify.WatchdogInterval);
    }

    [Fact]
    public void A_watchdog_meant_for_another_process_is_not_ours()
    {
        var path = Path.Combine(_dir, "notify");
        using var socket = Listen(path).Socket;
        Assert.Null(new SdNotify(path, "10000000", "1", pid: 4242).WatchdogInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), new SdNotify(path, "10000000", "4242", pid: 4242).WatchdogInterval);
        Assert.False(new SdNotify(path, null, null).Watchdog());
    }

    [Fact]
    public void A_socket_nobody_listens_on_is_not_an_exception() =>
        Assert.False(new SdNotify(Path.Combine(_dir, "gone")).Ready());
}
