using Junction.Configuration;
using Junction.Health.Tests;

namespace Junction.Cli.Daemon.Tests;

/// <summary>
/// Issue 11, defect 6, in the daemon's loop: a route the kernel refuses for its gateway
/// plans that uplink out at once instead of failing every apply (the kernel test
/// DaemonGatewayTests shows it against the real kernel).
/// </summary>
public sealed class RefusedGatewayTests
{
    private const string Yaml = """
        lan: [lan0]
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.1.0.1 }
          - { name: isp2, interface: wan2, gateway: 10.99.0.1 }
        """;

    private readonly ManualTime _time = new();
    private readonly FakeKernel _kernel = new();
    private readonly ListLogger _log = new();

    private JunctionDaemon Daemon() => new(new DaemonSetup("test.yaml", ConfigLoader.LoadText(Yaml, "test.yaml"),
        () => ConfigLoader.LoadText(Yaml, "test.yaml"), _kernel, _time, _log));

    [Fact]
    public void A_refused_gateway_is_planned_out_in_the_same_batch_and_the_rest_balances()
    {
        _kernel.RefusedGateways.Add("wan2");
        var daemon = Daemon();

        daemon.Start();

        Assert.Equal(2, _kernel.Attempts);
        var plan = Assert.Single(_kernel.Applied);
        Assert.DoesNotContain(plan.Routes, r => r.Device == "wan2");
        Assert.Contains(plan.Routes, r => r.Device == "wan1");
        Assert.False(plan.Uplinks.Single(u => u.Name == "isp2").Healthy);
        Assert.Contains(_log.Lines, l => l.StartsWith("Warning: uplink isp2 planned out: the kernel refused its default route: gateway 10.99.0.1 is not reachable on wan2 (Error: Nexthop has invalid gateway)", StringComparison.Ordinal));
        var snapshot = daemon.Snapshot();
        Assert.Contains("gateway 10.99.0.1 is not reachable on wan2", snapshot.Uplinks[1].PlannedOut);
        Assert.Null(snapshot.Uplinks[0].PlannedOut);
        Assert.Null(snapshot.Applies.LastError);

        // Nothing more is owed: no apply per batch, no retry storm.
        daemon.Process([new Tick()]);
        daemon.Process([new Tick()]);
        Assert.Equal(2, _kernel.Attempts);
    }

    [Fact]
    public void The_route_is_tried_again_after_the_retry_interval_and_returns_when_the_kernel_takes_it()
    {
        _kernel.RefusedGateways.Add("wan2");
        var daemon = Daemon();
        daemon.Start();

        _time.Advance(TimeSpan.FromSeconds(61));
        daemon.Process([new Tick()]);
        // Tried again, refused again, planned out again: one failed and one good apply.
        Assert.Equal(4, _kernel.Attempts);
        Assert.Equal(2, _log.Lines.Count(l => l.Contains("uplink isp2 planned out")));

        _kernel.RefusedGateways.Clear();
        _time.Advance(TimeSpan.FromSeconds(61));
        daemon.Process([new Tick()]);
        Assert.Contains(_kernel.Applied[^1].Routes, r => r.Device == "wan2");
        Assert.Null(daemon.Snapshot().Uplinks[1].PlannedOut);
    }

    [Fact]
    public void Any_other_failure_is_still_an_apply_failure()
    {
        _kernel.FailNext = 1;
        var daemon = Daemon();

        daemon.Start();

        Assert.Equal(1, _kernel.Attempts);
        Assert.Contains(_log.Lines, l => l.Contains("apply failed (1 in a row)"));
        Assert.All(daemon.Snapshot().Uplinks, u => Assert.Null(u.PlannedOut));
    }
}
