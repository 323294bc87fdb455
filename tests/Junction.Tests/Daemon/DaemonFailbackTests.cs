using Junction.Configuration;
using Junction.Health;
using Junction.Health.Tests;
using Junction.Model;

using static Junction.Cli.Daemon.Tests.Reports;

namespace Junction.Cli.Daemon.Tests;

/// <summary>Tiers and failback in the daemon's loop, with a fake kernel and a manual clock.</summary>
public sealed class DaemonFailbackTests
{
    private const string Move = """
        lan: [lan0]
        failback: move
        failback-hold: 10s
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.1.0.1 }
          - { name: isp2, interface: wan2, gateway: 10.2.0.1 }
          - { name: lte, interface: tun0, gateway: 10.8.0.1, tier: 2 }
        """;

    private const uint Mask = 0x00ff0000;
    private const uint Isp1 = 0x00010000, Isp2 = 0x00020000, Lte = 0x00030000;

    private readonly ManualTime _time = new();
    private readonly FakeKernel _kernel = new();
    private readonly ListLogger _log = new();

    private static LinkObserved Carrier(int index, string name, bool up) => new(LinkTableTests.Link(index, name, carrier: up));

    private JunctionDaemon Running(string yaml = Move)
    {
        var daemon = new JunctionDaemon(new DaemonSetup("test.yaml", ConfigLoader.LoadText(yaml, "test.yaml"),
            () => ConfigLoader.LoadText(yaml, "test.yaml"), _kernel, _time, _log));
        daemon.Start();
        daemon.Process([Good("isp1"), Good("isp2"), Good("lte")]);
        Assert.Equal(["isp1", "isp2"], InUse());
        return daemon;
    }

    private string[] InUse() => _kernel.Applied[^1].Uplinks.Where(u => u.InUse).Select(u => u.Name).ToArray();

    /// <summary>Both tier-1 uplinks lose carrier (their connections are flushed: flush: dead); then isp1 comes back.</summary>
    private void FailOverAndBack(JunctionDaemon daemon)
    {
        daemon.Process([Carrier(2, "wan1", false), Carrier(3, "wan2", false)]);
        Assert.Equal(["lte"], InUse());
        Assert.Equal([(Isp1, Mask), (Isp2, Mask)], _kernel.Flushed);

        _time.Advance(TimeSpan.FromMinutes(2));
        daemon.Process([Carrier(2, "wan1", true), Good("isp1"), Good("isp1"), Good("isp1"), Good("isp1"), Good("isp1")]);
        Assert.Equal(["isp1"], InUse());
        Assert.True(_kernel.Applied[^1].Uplinks.Single(u => u.Name == "lte").Reserve);
    }

    [Fact]
    public void With_failback_move_the_reserves_connections_are_flushed_once_tier_1_has_been_up_for_the_hold()
    {
        var daemon = Running();
        FailOverAndBack(daemon);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(10), daemon.Snapshot().FailbackDue);

        _time.Advance(TimeSpan.FromSeconds(9.5));
        daemon.Process([new Tick()]);
        Assert.Equal(2, _kernel.Flushed.Count);

        _time.Advance(TimeSpan.FromSeconds(0.5));
        daemon.Process([new Tick()]);
        Assert.Equal((Lte, Mask), _kernel.Flushed[^1]);
        Assert.Contains(_log.Lines, l => l.Contains("failback: tier 1 healthy for 10s: deleted 3 conntrack entries of tier-2 uplink lte (mark 0x30000/0xff0000)"));
        Assert.Null(daemon.Snapshot().FailbackDue);

        _time.Advance(TimeSpan.FromMinutes(1));
        daemon.Process([new Tick(), Good("isp1"), Good("lte")]);
        Assert.Equal(3, _kernel.Flushed.Count);
    }

    [Fact]
    public void With_new_only_the_reserves_connections_are_left_alone()
    {
        var daemon = Running(Move.Replace("failback: move", "failback: new-only"));
        FailOverAndBack(daemon);

        _time.Advance(TimeSpan.FromMinutes(5));
        daemon.Process([new Tick()]);

        Assert.Equal(2, _kernel.Flushed.Count);
        Assert.Null(daemon.Snapshot().FailbackDue);
    }

    [Fact]
    public void Tier_1_failing_again_within_the_hold_means_no_flush()
    {
        var daemon = Running();
        FailOverAndBack(daemon);

        _time.Advance(TimeSpan.FromSeconds(5));
        daemon.Process([Carrier(2, "wan1", false)]);
        Assert.Equal(["lte"], InUse());
        _time.Advance(TimeSpan.FromMinutes(5));
        daemon.Process([new Tick()]);

        Assert.DoesNotContain(_kernel.Flushed, f => f.Mark == Lte);
    }

    [Fact]
    public void The_failback_flush_waits_until_the_kernel_holds_the_plan_that_sends_new_connections_to_tier_1()
    {
        var daemon = Running();
        daemon.Process([Carrier(2, "wan1", false), Carrier(3, "wan2", false)]);
        _time.Advance(TimeSpan.FromMinutes(2));
        _kernel.FailNext = 100;
        daemon.Process([Carrier(2, "wan1", true), Good("isp1"), Good("isp1"), Good("isp1"), Good("isp1"), Good("isp1")]);

        for (var i = 0; i < 40; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            daemon.Process([new Tick()]);
        }
        Assert.DoesNotContain(_kernel.Flushed, f => f.Mark == Lte);

        _kernel.FailNext = 0;
        _time.Advance(TimeSpan.FromSeconds(31));
        daemon.Process([new Tick()]);
        Assert.Equal(["isp1"], InUse());
        Assert.Equal((Lte, Mask), _kernel.Flushed[^1]);
    }

    [Fact]
    public void The_snapshot_says_each_uplinks_tier_and_whether_it_is_in_use()
    {
        var daemon = Running();

        var uplinks = daemon.Snapshot().Uplinks;

        Assert.Equal([1, 1, 2], uplinks.Select(u => u.Tier));
        Assert.Equal([true, true, false], uplinks.Select(u => u.InUse));
        Assert.Equal(HealthState.Up, uplinks[2].State);
        Assert.Null(daemon.Snapshot().FailbackDue);
    }
}
