using Junction.Configuration;
using Junction.Health;
using Junction.Health.Tests;
using Junction.Model;

using static Junction.Cli.Daemon.Tests.Reports;

namespace Junction.Cli.Daemon.Tests;

/// <summary>
/// When the idle loop wakes: at the earliest thing due (a retry, a paced apply, a hold
/// running out, the table check, a watchdog ping), never on a fixed tick, and never in a spin.
/// </summary>
public sealed class DaemonWakeTests
{
    private const string Yaml = """
        lan: [lan0]
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.1.0.1, weight: 1 }
          - { name: isp2, interface: wan2, gateway: 10.2.0.1, weight: 1 }
          - { name: vpn, interface: tun0, weight: 1 }
        """;

    private static readonly TimeSpan TableCheck = TimeSpan.FromSeconds(5);
    private readonly ManualTime _time = new();
    private readonly FakeKernel _kernel = new();
    private readonly ListLogger _log = new();
    private readonly RecordingHooks _hooks = new();

    private DaemonSetup Setup(TimeProvider? time = null) => new("test.yaml", ConfigLoader.LoadText(Yaml, "test.yaml"),
        () => ConfigLoader.LoadText(Yaml, "test.yaml"), _kernel, time ?? _time, _log) { Hooks = _hooks };

    private static LinkObserved Carrier(int index, string name, bool carrier) => new(LinkTableTests.Link(index, name, carrier: carrier));

    private JunctionDaemon Running()
    {
        var daemon = new JunctionDaemon(Setup());
        daemon.Start();
        daemon.Process([Good("isp1"), Good("isp2")]);
        Assert.Empty(daemon.Monitor.Unhealthy);
        return daemon;
    }

    [Fact]
    public void An_idle_daemon_wakes_only_for_the_table_check_and_probe_rounds_do_not_move_it()
    {
        var daemon = Running();
        var check = _time.GetUtcNow() + TableCheck;
        Assert.Equal(check, daemon.NextWake);

        _time.Advance(TimeSpan.FromSeconds(1));
        daemon.Process([Good("isp1"), Good("isp2")]);
        Assert.Equal(check, daemon.NextWake);

        _time.Advance(check - _time.GetUtcNow());
        daemon.Process([new Tick()]);
        Assert.Equal(1, _kernel.TableReads);
        Assert.Equal(check + TableCheck, daemon.NextWake);
    }

    [Fact]
    public void A_failed_apply_wakes_the_loop_at_its_retry_and_a_tick_before_it_does_not_apply()
    {
        var daemon = Running();
        var attempts = _kernel.Attempts;
        _kernel.FailNext = 1;

        daemon.Process([Carrier(2, "wan1", false)]);
        var retry = _time.GetUtcNow() + TimeSpan.FromMilliseconds(500);
        Assert.Equal(retry, daemon.NextWake);

        _time.Advance(TimeSpan.FromMilliseconds(499));
        daemon.Process([new Tick()]);
        Assert.Equal(attempts + 1, _kernel.Attempts);
        Assert.Equal(retry, daemon.NextWake);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        daemon.Process([new Tick()]);
        Assert.Equal(attempts + 2, _kernel.Attempts);
        Assert.DoesNotContain(_kernel.Applied[^1].Routes, r => r.Device == "wan1");
        Assert.Equal(_time.GetUtcNow() + TableCheck, daemon.NextWake);
    }

    [Fact]
    public void A_route_only_change_held_by_the_pacer_wakes_the_loop_when_it_may_be_applied()
    {
        var daemon = Running();
        // Held down by damping (down, up, down within StableAfter): its carrier coming back is a route-only change.
        daemon.Process([Carrier(2, "wan1", false)]);
        daemon.Process([Carrier(2, "wan1", true)]);
        daemon.Process([Carrier(2, "wan1", false)]);
        _time.Advance(TimeSpan.FromMilliseconds(300));
        daemon.Process([Carrier(2, "wan1", true)]);
        var applies = _kernel.Applied.Count;
        var paced = daemon.NextWake!.Value;
        Assert.True(paced > _time.GetUtcNow() && paced <= _time.GetUtcNow() + TimeSpan.FromSeconds(1), $"woken at {paced}");

        _time.Advance(paced - _time.GetUtcNow() - TimeSpan.FromTicks(1));
        daemon.Process([new Tick()]);
        Assert.Equal(applies, _kernel.Applied.Count);

        _time.Advance(TimeSpan.FromTicks(1));
        daemon.Process([new Tick()]);
        Assert.Equal(applies + 1, _kernel.Applied.Count);
        Assert.Contains(_kernel.Applied[^1].Routes, r => r.Device == "wan1");
    }

    [Fact]
    public void An_uplink_without_probes_held_down_wakes_the_loop_when_its_hold_ends()
    {
        var daemon = Running();
        daemon.Process([Carrier(5, "tun0", false)]);
        daemon.Process([Carrier(5, "tun0", true)]);
        daemon.Process([Carrier(5, "tun0", false)]);
        daemon.Process([Carrier(5, "tun0", true)]);
        var vpn = daemon.Monitor.Uplinks["vpn"];
        Assert.Equal(HealthState.Down, vpn.State);
        // First the paced route-only apply (tun0 routable again, vpn still held down), then the hold's end.
        Assert.True(daemon.NextWake < vpn.HeldUntil);
        _time.Advance(daemon.NextWake!.Value - _time.GetUtcNow());
        daemon.Process([new Tick()]);
        Assert.Equal(HealthState.Down, vpn.State);
        Assert.Equal(vpn.HeldUntil, daemon.NextWake);

        _time.Advance(vpn.HeldUntil - _time.GetUtcNow());
        daemon.Process([new Tick()]);
        Assert.Equal(HealthState.Up, vpn.State);
        Assert.Equal(_time.GetUtcNow() + TableCheck, daemon.NextWake);
    }

    [Fact]
    public void A_watchdog_ping_the_hooks_owe_wakes_the_loop()
    {
        var daemon = Running();
        _hooks.NextDue = _time.GetUtcNow() + TimeSpan.FromSeconds(2);
        daemon.Process([Good("isp1")]);
        Assert.Equal(_hooks.NextDue, daemon.NextWake);
    }

    [Fact]
    public void Something_due_that_cannot_be_done_is_looked_at_again_after_the_tick_interval_not_in_a_spin()
    {
        var daemon = Running();
        _hooks.NextDue = _time.GetUtcNow() - TimeSpan.FromSeconds(1);
        daemon.Process([Good("isp1")]);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMilliseconds(250), daemon.NextWake);
    }

    [Fact]
    public async Task The_running_loop_retries_a_failed_apply_when_its_alarm_rings_with_no_other_event()
    {
        _kernel.FailNext = 1;
        var daemon = new JunctionDaemon(Setup());
        using var stop = new CancellationTokenSource();
        var cancel = TestContext.Current.CancellationToken;
        var run = daemon.RunAsync(stop.Token);
        var deadline = Environment.TickCount64 + 10_000;
        while (_kernel.Attempts < 1 && Environment.TickCount64 < deadline) await Task.Delay(10, cancel);
        Assert.Equal(1, _kernel.Attempts);
        Assert.Empty(_kernel.Applied);

        _time.Advance(TimeSpan.FromMilliseconds(500));
        while (_kernel.Applied.Count == 0 && Environment.TickCount64 < deadline) await Task.Delay(10, cancel);

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10), cancel);
        Assert.Single(_kernel.Applied);
    }
}
