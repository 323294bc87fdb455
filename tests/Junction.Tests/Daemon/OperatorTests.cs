using Junction.Planning.Nftables;
using Junction.Cli.Control;
using Junction.Configuration;
using Junction.Health;
using Junction.Health.Tests;
using Junction.Model;

using static Junction.Cli.Daemon.Tests.Reports;

namespace Junction.Cli.Daemon.Tests;

/// <summary>
/// Operator overrides (drain, down, up, auto) and the no-flush guard, through the daemon's
/// loop with a fake kernel, a manual clock and a state file in a temporary directory.
/// </summary>
public sealed class OperatorTests : IDisposable
{
    private const string Yaml = """
        lan: [lan0]
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.1.0.1, weight: 1 }
          - { name: isp2, interface: wan2, gateway: 10.2.0.1, weight: 1 }
        """;

    private const uint Isp1Mark = 0x00010000, Isp2Mark = 0x00020000, Mask = 0x00ff0000;

    private readonly ManualTime _time = new();
    private readonly FakeKernel _kernel = new();
    private readonly ListLogger _log = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("junction-operator-").FullName;
    private string _config = Yaml;

    private string StatePath => Path.Combine(_dir, "operator.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private JunctionDaemon Daemon() => new(new DaemonSetup("test.yaml", ConfigLoader.LoadText(Yaml, "test.yaml"),
        () => ConfigLoader.LoadText(_config, "test.yaml"), _kernel, _time, _log) { OperatorStatePath = StatePath });

    private static LinkObserved Carrier(string @interface, bool carrier) =>
        new(LinkTableTests.Link(@interface == "wan1" ? 2 : 3, @interface, carrier: carrier));

    private JunctionDaemon Running()
    {
        var daemon = Daemon();
        daemon.Start();
        daemon.Process([Good("isp1"), Good("isp2")]);
        Assert.Equal(["isp1", "isp2"], _kernel.Applied[^1].Uplinks.Where(u => u.Healthy).Select(u => u.Name));
        return daemon;
    }

    /// <summary>What the control socket does: the state first, then the loop's batch.</summary>
    private static void Set(JunctionDaemon daemon, string uplink, OperatorMode mode)
    {
        var before = daemon.Operator.Set(uplink, mode);
        daemon.Process([new OperatorChanged(uplink, before, mode, new())]);
    }

    private IEnumerable<string> Balanced => _kernel.Applied[^1].Uplinks.Where(u => u.Healthy).Select(u => u.Name);

    [Fact]
    public void Drain_gives_no_new_connections_keeps_routes_and_flushes_nothing()
    {
        var daemon = Running();

        Set(daemon, "isp1", OperatorMode.Drain);

        Assert.Equal(["isp2"], Balanced);
        // The restore dispatch, route and SNAT of isp1 stay so its connections keep flowing.
        Assert.Contains(_kernel.Applied[^1].Routes, r => r.Device == "wan1");
        Assert.Contains("0x00010000 : jump restore_isp1", NftText.ReplaceScript(_kernel.Applied[^1].Nft));
        Assert.Empty(_kernel.Flushed);
        var snapshot = daemon.Snapshot().Uplinks.Single(u => u.Name == "isp1");
        Assert.Equal(OperatorMode.Drain, snapshot.Operator);
        Assert.Equal(HealthState.Up, snapshot.State);
        Assert.Contains(_log.Lines, l => l.Contains("operator: uplink isp1: auto -> drain"));

        Set(daemon, "isp1", OperatorMode.Auto);
        Assert.Equal(["isp1", "isp2"], Balanced);
        Assert.Empty(_kernel.Flushed);
    }

    [Fact]
    public void Forced_down_flushes_like_a_failure_and_auto_gives_it_back_to_health()
    {
        var daemon = Running();

        Set(daemon, "isp1", OperatorMode.Down);

        Assert.Equal(["isp2"], Balanced);
        Assert.Equal([(Isp1Mark, Mask)], _kernel.Flushed);

        Set(daemon, "isp1", OperatorMode.Auto);
        Assert.Equal(["isp1", "isp2"], Balanced);
        Assert.Single(_kernel.Flushed);
    }

    [Fact]
    public void Forced_up_keeps_an_uplink_whose_probes_fail_and_keeps_its_connections()
    {
        var daemon = Running();
        Set(daemon, "isp1", OperatorMode.Up);

        daemon.Process([Bad("isp1"), Bad("isp1"), Bad("isp1")]);

        Assert.Equal(HealthState.Down, daemon.Monitor.Uplinks["isp1"].State);
        Assert.Equal(["isp1", "isp2"], Balanced);
        Assert.Empty(_kernel.Flushed);
        // Released, health's verdict counts again.
        Set(daemon, "isp1", OperatorMode.Auto);
        Assert.Equal(["isp2"], Balanced);
    }

    [Fact]
    public void Overrides_survive_a_restart_and_the_first_apply_already_honours_them()
    {
        var first = Running();
        Set(first, "isp2", OperatorMode.Down);
        Set(first, "isp1", OperatorMode.Drain);

        var second = Daemon();
        second.Start();
        second.Process([Good("isp1"), Good("isp2")]);

        Assert.Equal(OperatorMode.Drain, second.Operator.Current.Of("isp1"));
        Assert.Equal(OperatorMode.Down, second.Operator.Current.Of("isp2"));
        Assert.All(_kernel.Applied.Skip(_kernel.Applied.Count - 2), p => Assert.DoesNotContain(p.Uplinks, u => u.Healthy));
        Assert.Contains(_log.Lines, l => l.Contains("operator: uplink isp2 is 'down' (kept from"));

        Set(second, "isp2", OperatorMode.Auto);
        Assert.Equal(OperatorMode.Auto, Daemon().Operator.Current.Of("isp2"));
        Assert.Contains("\"isp1\": \"drain\"", File.ReadAllText(StatePath));
    }

    [Fact]
    public async Task An_unknown_uplink_is_refused_with_a_suggestion_and_changes_nothing()
    {
        var daemon = Running();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => daemon.SetOperatorAsync("isp3x", OperatorMode.Drain, TimeSpan.FromSeconds(1)));
        Assert.Contains("no uplink is named 'isp3x'", e.Message);
        e = await Assert.ThrowsAsync<ArgumentException>(() => daemon.SetOperatorAsync("ips1", OperatorMode.Drain, TimeSpan.FromSeconds(1)));
        Assert.Contains("did you mean 'isp1'?", e.Message);
        Assert.False(File.Exists(StatePath));
        Assert.Empty(daemon.Operator.Current.Modes);
    }

    [Fact]
    public void A_damaged_state_file_is_logged_and_health_decides()
    {
        File.WriteAllText(StatePath, "{\"uplinks\": {\"isp1\": \"sideways\"}}");

        var daemon = Running();

        Assert.Empty(daemon.Operator.Current.Modes);
        Assert.Contains(_log.Lines, l => l.Contains("cannot read") && l.Contains("'sideways'"));
    }

    [Fact]
    public void A_reload_that_removes_an_uplink_drops_its_override()
    {
        var daemon = Running();
        Set(daemon, "isp2", OperatorMode.Drain);
        _config = """
            lan: [lan0]
            uplinks:
              - { name: isp1, interface: wan1, gateway: 10.1.0.1, weight: 1 }
              - { name: isp9, interface: wan2, gateway: 10.2.0.1, weight: 1 }
            """;

        daemon.Process([new ReloadRequested()]);

        Assert.Empty(daemon.Operator.Current.Modes);
        Assert.DoesNotContain("isp2", File.ReadAllText(StatePath));
        Assert.Contains(_log.Lines, l => l.Contains("override 'drain' of uplink isp2 dropped"));
    }

    [Fact]
    public void Nothing_is_flushed_while_no_uplink_is_healthy_and_the_flush_is_made_once_one_is_back()
    {
        var daemon = Running();

        daemon.Process([Carrier("wan1", false), Carrier("wan2", false)]);

        Assert.True(_kernel.Applied[^1].Fallback);
        Assert.Empty(_kernel.Flushed);
        daemon.Process([new Tick()]);
        Assert.Empty(_kernel.Flushed);

        // isp1 comes back: isp2's connections now have somewhere better to go; isp1's are kept.
        daemon.Process([Carrier("wan1", true), Good("isp1")]);
        _time.Advance(TimeSpan.FromSeconds(60));
        daemon.Process([.. Enumerable.Repeat(Good("isp1"), 5), new Tick()]);
        Assert.Equal(["isp1"], Balanced);
        Assert.Equal([(Isp2Mark, Mask)], _kernel.Flushed);
    }

    [Fact]
    public void Everything_forced_down_flushes_nothing()
    {
        var daemon = Running();

        Set(daemon, "isp1", OperatorMode.Down);
        Set(daemon, "isp2", OperatorMode.Down);

        // isp1 went first while isp2 still took connections; isp2 had nowhere better.
        Assert.Equal([(Isp1Mark, Mask)], _kernel.Flushed);
    }

    private sealed class FakeControl(OperatorMode now) : IOperatorControl
    {
        public List<(string, OperatorMode)> Calls { get; } = [];

        public Task<OperatorMode> SetAsync(string uplink, OperatorMode mode)
        {
            Calls.Add((uplink, mode));
            return Task.FromResult(now);
        }

        public OperatorMode Of(string uplink) => now;
    }

    [Fact]
    public async Task The_endpoint_refuses_undrain_of_a_forced_state_and_a_misspelt_mode()
    {
        var forced = new FakeControl(OperatorMode.Down);
        var (reply, status, error) = await OperatorEndpoint.Handle(forced, "isp1", "undrain");
        Assert.Null(reply);
        Assert.Equal(409, status);
        Assert.Contains("'junction auto isp1' releases it", error);
        Assert.Empty(forced.Calls);

        (_, status, error) = await OperatorEndpoint.Handle(forced, "isp1", "drian");
        Assert.Equal(400, status);
        Assert.Contains("did you mean 'drain'?", error);

        var drained = new FakeControl(OperatorMode.Drain);
        (reply, status, _) = await OperatorEndpoint.Handle(drained, "isp1", "undrain");
        Assert.Equal(200, status);
        Assert.Equal(("isp1", OperatorMode.Auto), Assert.Single(drained.Calls));
        Assert.Equal("uplink isp1: drained -> auto (health decides)", reply!.Message);
    }
}
