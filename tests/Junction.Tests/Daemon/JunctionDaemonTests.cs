using Junction.Configuration;
using Junction.Health;
using Junction.Health.Tests;
using Junction.Model;

using static Junction.Cli.Daemon.Tests.Reports;

namespace Junction.Cli.Daemon.Tests;

/// <summary>The daemon's loop driven batch by batch, with a fake kernel and a manual clock.</summary>
public sealed class JunctionDaemonTests
{
    private const string Yaml = """
        lan: [lan0]
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.1.0.1, weight: 1 }
          - { name: isp2, interface: wan2, gateway: 10.2.0.1, weight: 1 }
        """;

    private readonly ManualTime _time = new();
    private readonly FakeKernel _kernel = new();
    private readonly ListLogger _log = new();
    private string _config = Yaml;

    private JunctionDaemon Daemon(string yaml = Yaml) => new(new DaemonSetup("test.yaml", ConfigLoader.LoadText(yaml, "test.yaml"),
        () => ConfigLoader.LoadText(_config, "test.yaml"), _kernel, _time, _log));

    private JunctionDaemon Running()
    {
        var daemon = Daemon();
        daemon.Start();
        daemon.Process([Good("isp1"), Good("isp2")]);
        Assert.Empty(daemon.Monitor.Unhealthy);
        return daemon;
    }

    [Fact]
    public void Start_applies_once_and_an_interface_that_is_down_starts_down_with_its_routes_planned_out()
    {
        _kernel.Links = [LinkTableTests.Link(2, "wan1"), LinkTableTests.Address(2, "10.1.0.2"), LinkTableTests.Link(3, "wan2", up: false)];
        var daemon = Daemon();

        daemon.Start();

        Assert.Equal(HealthState.Down, daemon.Monitor.Uplinks["isp2"].State);
        Assert.Equal(HealthState.Unknown, daemon.Monitor.Uplinks["isp1"].State);
        var plan = Assert.Single(_kernel.Applied);
        Assert.True(plan.Fallback);
        Assert.DoesNotContain(plan.Routes, r => r.Device == "wan2");
        Assert.Contains(plan.Routes, r => r.Device == "wan1");
    }

    [Fact]
    public void The_snapshot_is_built_when_asked_after_a_batch_that_changed_no_state()
    {
        var daemon = Running();
        Assert.Equal(TimeSpan.FromMilliseconds(2), daemon.Snapshot().Uplinks[0].Rtt);

        // A good round of an uplink that is up: no transition, no apply, so the batch itself builds nothing.
        daemon.Process([Good("isp1", ms: 7)]);

        Assert.Equal(TimeSpan.FromMilliseconds(7), daemon.Snapshot().Uplinks[0].Rtt);
    }

    [Fact]
    public void Events_that_arrive_together_cost_one_apply()
    {
        var daemon = Daemon();
        daemon.Start();

        daemon.Process([Good("isp1"), Good("isp2"), LinkObservedCarrier(3, false), LinkObservedCarrier(3, true)]);

        Assert.Equal(2, _kernel.Applied.Count);
        Assert.Equal(["isp2"], daemon.Monitor.Unhealthy);
        Assert.Equal(["isp1"], _kernel.Applied[^1].Uplinks.Where(u => u.Healthy).Select(u => u.Name));
    }

    [Fact]
    public void A_link_flapping_every_100ms_for_20s_costs_about_one_apply_a_second_and_the_final_state_is_applied()
    {
        var daemon = Running();
        var before = _kernel.Applied.Count;

        // 200 flips of wan1's carrier, 100 ms apart, with the daemon's ticks in between.
        for (var i = 0; i < 200; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            daemon.Process([LinkObservedCarrier(2, carrier: i % 2 == 1), new Tick()]);
        }
        var flapping = _kernel.Applied.Count - before;

        // One route-only apply a second at most, plus the few health changes damping lets through.
        Assert.InRange(flapping, 1, 35);
        // The last flip brought the carrier back: once the interval has passed, a tick applies
        // the final state (wan1 routable again) although no new event came.
        _time.Advance(TimeSpan.FromSeconds(1));
        daemon.Process([new Tick()]);
        Assert.Contains(_kernel.Applied[^1].Routes, r => r.Device == "wan1");
        Assert.Contains(_kernel.Applied[^1].Routes, r => r.Device == "wan2");
    }

    [Fact]
    public void A_health_change_is_applied_at_once_even_right_after_a_paced_route_change()
    {
        var daemon = Running();
        // Held down by damping (down, up, down within StableAfter), isp1's link keeps flipping.
        daemon.Process([LinkObservedCarrier(2, false)]);
        daemon.Process([LinkObservedCarrier(2, true)]);
        daemon.Process([LinkObservedCarrier(2, false)]);
        daemon.Process([LinkObservedCarrier(2, true)]);
        var applies = _kernel.Applied.Count;

        daemon.Process([LinkObservedCarrier(3, false)]);

        Assert.Equal(applies + 1, _kernel.Applied.Count);
        Assert.DoesNotContain(_kernel.Applied[^1].Uplinks, u => u.Name == "isp2" && u.Healthy);
    }

    [Fact]
    public void Nothing_changed_means_no_apply()
    {
        var daemon = Running();
        var applies = _kernel.Applied.Count;

        daemon.Process([Good("isp1"), Good("isp2"), new Tick()]);

        Assert.Equal(applies, _kernel.Applied.Count);
    }

    [Fact]
    public void Carrier_loss_moves_new_connections_at_once_and_flushes_only_that_uplinks_mark()
    {
        var daemon = Running();

        daemon.Process([LinkObservedCarrier(2, false)]);

        Assert.Equal(["isp2"], _kernel.Applied[^1].Uplinks.Where(u => u.Healthy).Select(u => u.Name));
        Assert.Equal([(0x00010000u, 0x00ff0000u)], _kernel.Flushed);
        Assert.DoesNotContain(_kernel.Applied[^1].Routes, r => r.Device == "wan1");
        Assert.Contains(_log.Lines, l => l.Contains("uplink isp1: up -> down (carrier lost)"));
    }

    [Fact]
    public void A_silent_failure_needs_down_after_bad_rounds()
    {
        var daemon = Running();

        daemon.Process([Bad("isp1"), Bad("isp1")]);
        Assert.Empty(daemon.Monitor.Unhealthy);
        daemon.Process([Bad("isp1")]);

        Assert.Equal(["isp1"], daemon.Monitor.Unhealthy);
        Assert.Equal([(0x00010000u, 0x00ff0000u)], _kernel.Flushed);
    }

    [Fact]
    public void A_failed_apply_is_retried_with_a_growing_delay_and_the_flush_waits_for_success()
    {
        var daemon = Running();
        var applied = _kernel.Applied.Count;
        _kernel.FailNext = 2;

        daemon.Process([LinkObservedCarrier(2, false)]);
        Assert.Equal(applied, _kernel.Applied.Count);
        Assert.Empty(_kernel.Flushed);
        Assert.Equal(1, daemon.Snapshot().Applies.Failures);

        _time.Advance(TimeSpan.FromMilliseconds(400));
        daemon.Process([new Tick()]);
        Assert.Equal(applied + 1, _kernel.Attempts);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        daemon.Process([new Tick()]);
        Assert.Equal(applied + 2, _kernel.Attempts);
        Assert.Contains(_log.Lines, l => l.Contains("apply failed (2 in a row), retrying in 1000 ms"));

        _time.Advance(TimeSpan.FromMilliseconds(1000));
        daemon.Process([new Tick()]);
        Assert.Equal(applied + 1, _kernel.Applied.Count);
        Assert.Equal([(0x00010000u, 0x00ff0000u)], _kernel.Flushed);
        Assert.Null(daemon.Snapshot().Applies.LastError);
    }

    [Fact]
    public void A_table_removed_behind_the_daemons_back_is_found_on_the_next_check_and_applied_again()
    {
        var daemon = Running();
        var applied = _kernel.Applied.Count;
        var plan = _kernel.Applied[^1];
        _kernel.Installed = null;   // nft flush ruleset

        // Checked every TableCheckInterval (5 s), not on every batch.
        _time.Advance(TimeSpan.FromSeconds(1));
        daemon.Process([new Tick()]);
        Assert.Equal(applied, _kernel.Applied.Count);

        _time.Advance(TimeSpan.FromSeconds(4));
        daemon.Process([new Tick()]);

        Assert.Equal(applied + 1, _kernel.Applied.Count);
        Assert.Equal(plan.Nft, _kernel.Applied[^1].Nft);
        Assert.Contains(_log.Lines, l => l == "Warning: nftables table inet junction missing behind our back: re-applying");
        Assert.Null(daemon.Snapshot().TableDrift);
    }

    [Fact]
    public void A_replaced_table_is_applied_again_and_status_warns_while_the_kernel_refuses()
    {
        var daemon = Running();
        _kernel.Installed = "0123456789abcdef";   // another program's plan, e.g. a second daemon's
        _kernel.FailNext = 1;

        _time.Advance(TimeSpan.FromSeconds(5));
        daemon.Process([new Tick()]);

        Assert.Contains(_log.Lines, l => l.Contains("nftables table inet junction changed (it carries plan 0123456789abcdef, not "));
        Assert.Contains("the kernel does not hold the daemon's plan", daemon.Snapshot().TableDrift);
        Assert.Contains("warning: nftables table inet junction changed", Junction.Status.StatusFormatter.Format(
            new Junction.Status.StatusReport(daemon.Snapshot(), daemon.Snapshot().Uplinks.Select(u =>
                new Junction.Status.UplinkFigures(u.Name, 0, null, 0, 0, null, null, null, [])).ToList(), TimeSpan.Zero, 0, [])));

        _time.Advance(TimeSpan.FromSeconds(1));
        daemon.Process([new Tick()]);
        Assert.Equal(Junction.Linux.Apply.Ownership.For(_kernel.Applied[^1]).PlanHash, _kernel.Installed);
        Assert.Null(daemon.Snapshot().TableDrift);
    }

    [Fact]
    public void A_table_that_cannot_be_read_is_not_taken_for_a_changed_one()
    {
        var daemon = Running();
        var applied = _kernel.Applied.Count;
        _kernel.UnreadableTable = true;

        _time.Advance(TimeSpan.FromSeconds(5));
        daemon.Process([new Tick()]);

        Assert.Equal(1, _kernel.TableReads);
        Assert.Equal(applied, _kernel.Applied.Count);
        Assert.Null(daemon.Snapshot().TableDrift);
        Assert.Contains(_log.Lines, l => l.StartsWith("Debug: could not read the installed table", StringComparison.Ordinal));
    }

    [Fact]
    public void An_apply_logs_a_short_summary_at_info_and_each_change_at_debug()
    {
        _kernel.Changes =
        [
            new(Junction.Linux.Apply.ChangeAction.Replace, Junction.Linux.Apply.ChangeSubject.Nftables, "table inet junction (2 of 2 uplinks balanced; plan 0123456789abcdef)"),
            new(Junction.Linux.Apply.ChangeAction.Add, Junction.Linux.Apply.ChangeSubject.Route, "default via 10.1.0.1 dev wan1 table 1000"),
            new(Junction.Linux.Apply.ChangeAction.Add, Junction.Linux.Apply.ChangeSubject.Route, "default via 10.2.0.1 dev wan2 table 1001"),
            new(Junction.Linux.Apply.ChangeAction.Add, Junction.Linux.Apply.ChangeSubject.Rule, "priority 1001 fwmark 0x10000/0xff0000 lookup 1000"),
        ];
        Running();

        var info = _log.Lines.Last(l => l.StartsWith("Information: applied: ", StringComparison.Ordinal));
        Assert.Matches(@"^Information: applied: balancing over isp1, isp2; nftables table replaced, 2 routes, 1 rule \(\d+ ms\)$", info);
        Assert.Contains(_log.Lines, l => l == "Debug: applied: add route default via 10.1.0.1 dev wan1 table 1000");
        Assert.DoesNotContain(_log.Lines, l => l.Contains("  "));
        Assert.Contains(_log.Lines, l => l == "Information: uplink isp1: unknown -> up (probes answered (1/1): 192.0.2.1 2 ms)");
    }

    [Fact]
    public void With_flush_none_conntrack_is_never_touched()
    {
        var daemon = Daemon("flush: none\n" + Yaml);
        daemon.Start();
        daemon.Process([Good("isp1"), Good("isp2")]);

        daemon.Process([LinkObservedCarrier(2, false)]);

        Assert.Empty(_kernel.Flushed);
        Assert.Equal(["isp1"], daemon.Monitor.Unhealthy);
    }

    [Fact]
    public void An_uplink_that_was_never_up_is_flushed_too_since_a_previous_run_may_have_left_connections()
    {
        _kernel.Links = [LinkTableTests.Link(2, "wan1", carrier: false), LinkTableTests.Address(2, "10.1.0.2"), LinkTableTests.Link(3, "wan2"), LinkTableTests.Address(3, "10.2.0.2")];
        var daemon = Daemon();

        daemon.Start();
        // Until isp2's first good round no uplink is healthy: nowhere better to send them yet.
        Assert.Empty(_kernel.Flushed);
        daemon.Process([Good("isp2")]);

        Assert.Equal([(0x00010000u, 0x00ff0000u)], _kernel.Flushed);
    }

    [Fact]
    public void A_reload_with_new_weights_keeps_health_and_reapplies()
    {
        var daemon = Running();
        var applied = _kernel.Applied.Count;
        _config = Yaml.Replace("weight: 1 }\n  - { name: isp2", "weight: 3 }\n  - { name: isp2");

        daemon.Process([new ReloadRequested()]);

        Assert.Empty(daemon.Monitor.Unhealthy);
        Assert.Equal(applied + 1, _kernel.Applied.Count);
        Assert.Equal(0.75, _kernel.Applied[^1].Uplinks[0].Share);
        Assert.Equal(0.75, daemon.Snapshot().Uplinks[0].PlannedShare);
    }

    [Fact]
    public void A_reload_with_errors_keeps_the_running_configuration_and_logs_every_error()
    {
        var daemon = Running();
        var applied = _kernel.Applied.Count;
        _config = "balance: fastest\n" + Yaml.Replace("weight: 1 }\n  - { name: isp2", "weight: 0 }\n  - { name: isp2");

        daemon.Process([new ReloadRequested()]);

        Assert.Equal(applied, _kernel.Applied.Count);
        Assert.Equal(2, _log.Lines.Count(l => l.StartsWith("Error: config error: test.yaml:", StringComparison.Ordinal)));
        Assert.Contains(_log.Lines, l => l.Contains("reload rejected (2 errors)"));

        _config = "balance: fastest\n" + Yaml;
        daemon.Process([new ReloadRequested()]);
        Assert.Contains(_log.Lines, l => l.Contains("reload rejected (1 error): the running configuration stays in force"));
        Assert.Equal(1, daemon.Model.Uplinks[0].Weight);
    }

    [Fact]
    public void A_reload_with_a_duration_no_TimeSpan_holds_is_rejected_and_the_daemon_keeps_running()
    {
        // 'interval: Infinitys' once threw OverflowException out of the validator: SIGHUP ended the daemon.
        var daemon = Running();
        var applied = _kernel.Applied.Count;
        _config = "failback-hold: Infinitys\n" + Yaml;

        daemon.Process([new ReloadRequested()]);

        Assert.Equal(applied, _kernel.Applied.Count);
        Assert.Contains(_log.Lines, l => l.Contains("failback-hold: 'Infinitys' is not a duration", StringComparison.Ordinal));
        Assert.Contains(_log.Lines, l => l.Contains("reload rejected (1 error)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_reload_that_changes_the_uplinks_starts_fresh_state_machines_told_the_links()
    {
        _kernel.Links = [.. LinkTableTests.AllUp, LinkTableTests.Link(7, "wan3", up: false)];
        var daemon = Running();
        _config = Yaml + "\n  - { name: isp3, interface: wan3, gateway: 10.3.0.1 }\n";

        daemon.Process([new ReloadRequested()]);

        Assert.Equal(3, daemon.Model.Uplinks.Count);
        Assert.Equal(HealthState.Down, daemon.Monitor.Uplinks["isp3"].State);
        Assert.Equal(HealthState.Unknown, daemon.Monitor.Uplinks["isp1"].State);
        // Rounds of the probes the reload stopped say nothing any more.
        daemon.Process([Good("isp1")]);
        Assert.Equal(HealthState.Unknown, daemon.Monitor.Uplinks["isp1"].State);
        daemon.Process([Good("isp1") with { Epoch = 2 }]);
        Assert.Equal(HealthState.Up, daemon.Monitor.Uplinks["isp1"].State);
    }

    [Fact]
    public void The_snapshot_says_state_reason_rtt_loss_carrier_and_apply_counts()
    {
        var daemon = Running();
        daemon.Process([Good("isp1", 4), Bad("isp1"), Good("isp1", 6), LinkObservedCarrier(3, false)]);

        var s = daemon.Snapshot();
        var isp1 = s.Uplinks.Single(u => u.Name == "isp1");
        var isp2 = s.Uplinks.Single(u => u.Name == "isp2");
        Assert.Equal(HealthState.Up, isp1.State);
        Assert.Equal(TimeSpan.FromMilliseconds(6), isp1.Rtt);
        Assert.Equal(0.25, isp1.Loss);
        Assert.True(isp1.Carrier);
        Assert.Equal(1.0, isp1.PlannedShare);
        Assert.Equal(HealthState.Down, isp2.State);
        Assert.Equal("carrier lost", isp2.Reason);
        Assert.False(isp2.Carrier);
        Assert.Equal(2, isp2.StateChanges);
        Assert.Equal(0, isp2.PlannedShare);
        Assert.Equal(3, s.Applies.Count);
        Assert.Equal("round-robin", s.Balance);
        Assert.False(s.Fallback);
    }

    [Fact]
    public void Hooks_hear_every_batch_with_its_snapshot_and_a_reload_with_its_new_model()
    {
        var hooks = new RecordingHooks();
        var daemon = new JunctionDaemon(new DaemonSetup("test.yaml", ConfigLoader.LoadText(Yaml, "test.yaml"),
            () => ConfigLoader.LoadText(_config, "test.yaml"), _kernel, _time, _log) { Hooks = hooks });
        daemon.Start();
        daemon.Process([Good("isp1"), Good("isp2")]);
        Assert.Equal(["turned"], hooks.Calls);
        Assert.Equal(2, hooks.Last!.Uplinks.Count(u => u.State == HealthState.Up));

        _config = "metrics: { listen: 127.0.0.1:9419 }\n" + Yaml;
        daemon.Process([new ReloadRequested()]);
        _config = "balance: fastest\n" + Yaml;
        daemon.Process([new ReloadRequested()]);

        Assert.Equal(["turned", "reloading", "reloaded 127.0.0.1:9419", "turned", "reloading", "turned"], hooks.Calls);
        Assert.Equal("127.0.0.1:9419", daemon.Model.MetricsListen?.ToString());
    }

    [Fact]
    public void Apply_counts_include_failures_and_state_changes_survive_a_reload()
    {
        var daemon = Running();
        _kernel.FailNext = 1;
        daemon.Process([LinkObservedCarrier(3, false)]);
        var s = daemon.Snapshot();
        Assert.Equal(3, s.Applies.Count);
        Assert.Equal(1, s.Applies.Failures);
        Assert.NotNull(s.Applies.LastDuration);

        _config = Yaml.Replace("gateway: 10.2.0.1", "gateway: 10.2.0.254");
        daemon.Process([new ReloadRequested()]);
        // Up, Down, then the fresh state machine told the link is down: Unknown -> Down.
        Assert.Equal(3, daemon.Snapshot().Uplinks.Single(u => u.Name == "isp2").StateChanges);
        Assert.Equal(1, daemon.Snapshot().Uplinks.Single(u => u.Name == "isp1").StateChanges);
    }

    [Fact]
    public async Task Run_stops_on_cancel_and_leaves_the_kernel_state_unless_asked()
    {
        var daemon = new JunctionDaemon(new DaemonSetup("test.yaml", ConfigLoader.LoadText(Yaml, "test.yaml"),
            () => ConfigLoader.LoadText(Yaml, "test.yaml"), _kernel, TimeProvider.System, _log) { FlushOnExit = true });
        using var stop = new CancellationTokenSource();
        var run = daemon.RunAsync(stop.Token);
        daemon.RequestReload();
        var deadline = Environment.TickCount64 + 10_000;
        while (!_log.Lines.ToList().Any(l => l.Contains("reloaded")) && Environment.TickCount64 < deadline) await Task.Delay(10, TestContext.Current.CancellationToken);

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(_kernel.FlushedAll);
        Assert.Contains(_log.Lines, l => l.Contains("--flush-on-exit"));
    }

    [Fact]
    public async Task A_listener_that_cannot_be_bound_stops_the_daemon_before_it_touches_the_kernel()
    {
        var daemon = new JunctionDaemon(new DaemonSetup("test.yaml", ConfigLoader.LoadText(Yaml, "test.yaml"),
            () => ConfigLoader.LoadText(Yaml, "test.yaml"), _kernel, TimeProvider.System, _log)
        {
            FlushOnExit = true,
            Hooks = new FailingHooks(),
        });

        var e = await Assert.ThrowsAsync<Junction.Cli.Control.ListenFailedException>(() => daemon.RunAsync(TestContext.Current.CancellationToken));

        Assert.Equal("cannot listen for metrics on 127.0.0.1:9419: Address already in use", e.Message);
        Assert.Equal(0, _kernel.Attempts);
        Assert.False(_kernel.FlushedAll);   // --flush-on-exit must not remove what another daemon applied
        Assert.DoesNotContain(_log.Lines, l => l.Contains("kernel state left in place"));
    }

    private sealed class FailingHooks : IDaemonHooks
    {
        public Task ListenAsync(JunctionDaemon daemon, CancellationToken ct) =>
            throw new Junction.Cli.Control.ListenFailedException("cannot listen for metrics on 127.0.0.1:9419: Address already in use");

        public void Turned(Junction.Status.DaemonSnapshot snapshot) => throw new InvalidOperationException("no batch without listeners");

        public void Reloading()
        {
        }

        public void Reloaded(JunctionModel model)
        {
        }

        public Task StoppingAsync() => Task.CompletedTask;
    }

    private static LinkObserved LinkObservedCarrier(int index, bool carrier) =>
        new(LinkTableTests.Link(index, index == 2 ? "wan1" : "wan2", carrier: carrier));

    [Fact]
    public async Task Probes_started_by_a_reload_are_stopped_with_the_daemon()
    {
        var rounds = 0;
        var model = ConfigLoader.LoadText(Yaml, "test.yaml");
        var daemon = new JunctionDaemon(new DaemonSetup("test.yaml", model, () => ConfigLoader.LoadText(_config, "test.yaml"),
            _kernel, TimeProvider.System, _log)
        {
            Prober = (_, _) => (_, _) =>
            {
                Interlocked.Increment(ref rounds);
                return Task.FromResult(new ProbeRound([ProbeResult.Ok(Target, TimeSpan.FromMilliseconds(1))], 1));
            },
        });
        _config = Yaml.Replace("gateway: 10.2.0.1", "gateway: 10.2.0.254");
        using var stop = new CancellationTokenSource();
        var run = daemon.RunAsync(stop.Token);
        daemon.RequestReload();
        var cancel = TestContext.Current.CancellationToken;
        var deadline = Environment.TickCount64 + 10_000;
        while (!_log.Lines.ToList().Any(l => l.Contains("restarted (uplinks or probes changed)")) && Environment.TickCount64 < deadline)
            await Task.Delay(10, cancel);

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10), cancel);
        var after = Volatile.Read(ref rounds);
        await Task.Delay(500, cancel);

        Assert.Equal(after, Volatile.Read(ref rounds));
    }
}
