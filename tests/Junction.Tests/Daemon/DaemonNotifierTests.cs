using System.Net.Sockets;
using System.Text;
using Junction.Health;
using Junction.Health.Tests;
using Junction.Linux.Systemd;
using Junction.Status;

namespace Junction.Cli.Daemon.Tests;

/// <summary>What the daemon tells systemd and when, with a manual clock and a datagram socket standing in for systemd.</summary>
public sealed class DaemonNotifierTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jt-notifier-").FullName;
    private readonly ManualTime _time = new();
    private readonly Socket _systemd = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly DaemonNotifier _notifier;

    public DaemonNotifierTests()
    {
        var path = Path.Combine(_dir, "notify");
        _systemd.Bind(new UnixDomainSocketEndPoint(path));
        _notifier = new DaemonNotifier(new SdNotify(path, "10000000"), _time);   // WatchdogSec=10s: ping every 5 s
    }

    public void Dispose()
    {
        _systemd.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Ready_waits_for_an_applied_plan_and_the_socket()
    {
        _notifier.Turned(Snapshot(applied: false, HealthState.Unknown, HealthState.Unknown));
        Assert.Equal(["STATUS=0 of 2 uplinks up; isp1 unknown (probing); isp2 unknown (probing)", "WATCHDOG=1"], Received());

        _notifier.Turned(Snapshot(applied: true, HealthState.Unknown, HealthState.Unknown));
        Assert.Equal(["STATUS=0 of 2 uplinks up, new connections follow the main table; isp1 unknown (probing); isp2 unknown (probing)"], Received());

        _notifier.Serving();
        _notifier.Turned(Snapshot(applied: true, HealthState.Up, HealthState.Unknown));
        Assert.Equal(["READY=1\nSTATUS=1 of 2 uplinks up; isp2 unknown (probing)"], Received());
    }

    [Fact]
    public void The_next_ping_is_due_one_interval_after_the_last()
    {
        Assert.Null(_notifier.NextPing);
        _notifier.Turned(Snapshot(applied: true, HealthState.Up, HealthState.Up));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(5), _notifier.NextPing);

        _time.Advance(TimeSpan.FromSeconds(5));
        _notifier.Turned(Snapshot(applied: true, HealthState.Up, HealthState.Up));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(5), _notifier.NextPing);
        Assert.Null(new DaemonNotifier(new SdNotify(null), _time).NextPing);
    }

    [Fact]
    public void Status_only_when_the_summary_changes_and_the_watchdog_at_its_interval()
    {
        _notifier.Serving();
        _notifier.Turned(Snapshot(applied: true, HealthState.Up, HealthState.Up));
        Assert.Equal(["READY=1\nSTATUS=2 of 2 uplinks up", "WATCHDOG=1"], Received());

        _time.Advance(TimeSpan.FromSeconds(4.9));
        _notifier.Turned(Snapshot(applied: true, HealthState.Up, HealthState.Up));
        Assert.Empty(Received());

        _time.Advance(TimeSpan.FromSeconds(0.1));
        _notifier.Turned(Snapshot(applied: true, HealthState.Up, HealthState.Down));
        Assert.Equal(["STATUS=1 of 2 uplinks up; isp2 down (3 failed rounds)", "WATCHDOG=1"], Received());

        _notifier.Turned(Snapshot(applied: true, HealthState.Up, HealthState.Down, error: "nft: Operation not permitted\nmore"));
        Assert.Equal(["STATUS=1 of 2 uplinks up; isp2 down (3 failed rounds); apply failing: nft: Operation not permitted"], Received());
    }

    [Fact]
    public void A_reload_is_framed_by_reloading_and_ready_and_stopping_is_said()
    {
        _notifier.Reloading();   // before READY=1 systemd is still waiting for the start: nothing to say
        _notifier.Serving();
        _notifier.Turned(Snapshot(applied: true, HealthState.Up, HealthState.Up));
        Received();

        _notifier.Reloading();
        Assert.Matches("^RELOADING=1\nMONOTONIC_USEC=[0-9]+$", Assert.Single(Received()));
        _notifier.Turned(Snapshot(applied: true, HealthState.Up, HealthState.Up));
        Assert.Equal(["READY=1\nSTATUS=2 of 2 uplinks up"], Received());

        _notifier.Stopping();
        Assert.Equal(["STOPPING=1"], Received());
    }

    /// <summary>Every message waiting on the socket.</summary>
    private List<string> Received()
    {
        var messages = new List<string>();
        var buffer = new byte[4096];
        while (_systemd.Available > 0) messages.Add(Encoding.UTF8.GetString(buffer, 0, _systemd.Receive(buffer)));
        return messages;
    }

    private DaemonSnapshot Snapshot(bool applied, HealthState isp1, HealthState isp2, string? error = null)
    {
        var now = _time.GetUtcNow();
        UplinkSnapshot Uplink(string name, HealthState state) => new(name, "wan" + name[^1], 1, 0, 0, 0, state, now,
            state == HealthState.Down ? "3 failed rounds" : "", 0, null, null, true, []);
        return new DaemonSnapshot("test.yaml", now, now, "round-robin", 0x00ff0000, true,
            new ApplyStats(1, error is null ? 0 : 1, applied ? now : null, null, error, now), [Uplink("isp1", isp1), Uplink("isp2", isp2)]);
    }
}
