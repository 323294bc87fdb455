using Junction.Configuration;
using Junction.Health;
using Junction.Health.Tests;
using Junction.Model;

using static Junction.Cli.Daemon.Tests.Reports;

namespace Junction.Cli.Daemon.Tests;

/// <summary>
/// A router of an HA pair (<c>ha:</c>): the health file keepalived tracks, and flushes that
/// wait for the takeover to settle and happen only on the VRRP master. The role file is
/// written as keepalived's notify script writes it, naming a live process whose comm is
/// 'keepalived' (a copy of sleep by that name) or a pid that is not keepalived.
/// </summary>
public sealed class HaDaemonTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jha-").FullName;
    private readonly ManualTime _time = new();
    private readonly FakeKernel _kernel = new();
    private readonly ListLogger _log = new();

    private string _hold = "0s";

    private string Yaml => $$"""
        lan: [lan0]
        ha: { state-dir: {{_dir}}, flush-delay: 2s, hold-after-start: {{_hold}} }
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.1.0.1, id: 1, snat: { addresses: [10.1.0.10] } }
          - { name: isp2, interface: wan2, gateway: 10.2.0.1, id: 2, snat: { addresses: [10.2.0.10] } }
        """;

    private JunctionDaemon Running()
    {
        var daemon = new JunctionDaemon(new DaemonSetup("test.yaml", ConfigLoader.LoadText(Yaml, "test.yaml"),
            () => ConfigLoader.LoadText(Yaml, "test.yaml"), _kernel, _time, _log));
        daemon.Start();
        daemon.Process([Good("isp1"), Good("isp2")]);
        return daemon;
    }

    private static LinkObserved Carrier(int index, bool up) => new(LinkTableTests.Link(index, $"wan{index - 1}", carrier: up));

    /// <summary>The notify script's line, naming a live keepalived (a process whose comm is 'keepalived') or not.</summary>
    private void Role(string state, bool keepaliveAlive)
    {
        var pid = keepaliveAlive ? Keepalived().Id : Environment.ProcessId;
        File.WriteAllText(Path.Combine(_dir, "vrrp"), $"{state} {pid}\n");
    }

    private System.Diagnostics.Process? _keepalived;

    private System.Diagnostics.Process Keepalived()
    {
        if (_keepalived is not null) return _keepalived;
        var fake = Path.Combine(_dir, "keepalived");
        File.Copy("/bin/sleep", fake);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return _keepalived = System.Diagnostics.Process.Start(fake, "60");
    }

    public void Dispose()
    {
        if (_keepalived is { HasExited: false }) _keepalived.Kill();
        _keepalived?.WaitForExit();
        _keepalived?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string Health() => File.ReadAllText(Path.Combine(_dir, "health")).Trim();

    [Fact]
    public void The_health_file_counts_unhealthy_uplinks_as_soon_as_they_change()
    {
        var daemon = Running();
        Assert.Equal("0", Health());

        daemon.Process([Carrier(2, false)]);
        Assert.Equal("1", Health());
        daemon.Process([Carrier(3, false)]);
        Assert.Equal("2", Health());
        daemon.Process([Carrier(3, true), Good("isp2")]);
        Assert.Equal(daemon.Monitor.Unhealthy.Count.ToString(), Health());
    }

    [Fact]
    public void A_starting_router_that_is_not_master_reports_every_uplink_unhealthy_until_the_hold_ends()
    {
        _hold = "5s";
        var daemon = Running();
        Assert.Empty(daemon.Monitor.Unhealthy);
        Assert.Equal("2", Health());   // back from a reboot: conntrackd is still fetching the peer's connections
        // Nothing tells the daemon that keepalived wrote the role file: during the hold the loop looks every 250 ms.
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMilliseconds(250), daemon.NextWake);

        _time.Advance(TimeSpan.FromSeconds(5));
        daemon.Process([new Tick()]);
        Assert.Equal("0", Health());
        Assert.True(daemon.NextWake > _time.GetUtcNow() + TimeSpan.FromSeconds(1), $"still polling: {daemon.NextWake}");
    }

    [Fact]
    public void A_restarting_daemon_on_the_live_master_does_not_hold_so_it_hands_nothing_over()
    {
        _hold = "5s";
        Role("MASTER", keepaliveAlive: true);
        Running();
        Assert.Equal("0", Health());
    }

    [Fact]
    public void A_router_that_is_not_a_live_master_never_flushes_even_after_the_delay()
    {
        var daemon = Running();
        Role("MASTER", keepaliveAlive: false);   // stale: the pid is not keepalived

        daemon.Process([Carrier(2, false)]);
        Assert.Empty(_kernel.Flushed);
        _time.Advance(TimeSpan.FromSeconds(3));
        daemon.Process([new Tick()]);

        Assert.Empty(_kernel.Flushed);
        Assert.Contains(_log.Lines, l => l.Contains("not flushing isp1's connections: this router is unknown"));
        Assert.Equal("unknown", daemon.Snapshot().Ha!.Role);
    }

    [Fact]
    public void Without_a_role_file_the_role_is_unknown()
    {
        var daemon = Running();
        var ha = daemon.Snapshot().Ha!;
        Assert.Equal("unknown", ha.Role);
        Assert.Equal(0, ha.HealthReported);
    }

    [Fact]
    public void The_master_flushes_a_dead_uplink_only_after_the_flush_delay()
    {
        var daemon = Running();
        Role("MASTER", keepaliveAlive: true);
        daemon.Process([new Tick()]);
        Assert.Equal("master", daemon.Snapshot().Ha!.Role);

        daemon.Process([Carrier(2, false)]);
        // The loop wakes when the flush delay ends.
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(2), daemon.NextWake);
        _time.Advance(TimeSpan.FromSeconds(1));
        daemon.Process([new Tick()]);
        Assert.Empty(_kernel.Flushed);

        _time.Advance(TimeSpan.FromSeconds(1.5));
        daemon.Process([new Tick()]);
        Assert.Equal([(0x00010000u, 0x00ff0000u)], _kernel.Flushed);
    }

    [Fact]
    public void A_master_that_became_backup_during_the_delay_leaves_the_connections_to_the_peer()
    {
        var daemon = Running();
        Role("MASTER", keepaliveAlive: true);

        daemon.Process([Carrier(2, false)]);
        Role("BACKUP", keepaliveAlive: true);
        _time.Advance(TimeSpan.FromSeconds(3));
        daemon.Process([new Tick()]);

        Assert.Empty(_kernel.Flushed);
        Assert.Contains(_log.Lines, l => l.Contains("not flushing isp1's connections: this router is backup"));
        Assert.Equal("backup", daemon.Snapshot().Ha!.Role);
    }

    [Fact]
    public void With_no_healthy_uplink_nothing_is_flushed_and_the_flush_stays_owed()
    {
        var daemon = Running();
        Role("MASTER", keepaliveAlive: true);

        daemon.Process([Carrier(2, false), Carrier(3, false)]);
        _time.Advance(TimeSpan.FromSeconds(3));
        daemon.Process([new Tick()]);
        Assert.Empty(_kernel.Flushed);
        Assert.Contains(_log.Lines, l => l.Contains("no uplink is healthy, so there is nowhere to move"));

        // isp2 returns; isp1 is still dead: now its connections can go.
        daemon.Process([Carrier(3, true)]);
        for (var i = 0; i < 10 && daemon.Monitor.Uplinks["isp2"].State != HealthState.Up; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            daemon.Process([Good("isp2"), new Tick()]);
        }
        Assert.Equal(HealthState.Up, daemon.Monitor.Uplinks["isp2"].State);
        Assert.Contains((0x00010000u, 0x00ff0000u), _kernel.Flushed);
        Assert.DoesNotContain((0x00020000u, 0x00ff0000u), _kernel.Flushed);
    }
}
