using Junction.Configuration;
using Junction.Model;

namespace Junction.Health.Tests;

/// <summary>When failback: move flushes the connections left on worse tiers.</summary>
public sealed class FailbackPolicyTests
{
    private const string Yaml = """
        lan: [lan0]
        failback: move
        failback-hold: 30s
        uplinks:
          - { name: a, interface: wan1, gateway: 10.1.0.1 }
          - { name: b, interface: wan2, gateway: 10.2.0.1 }
          - { name: lte, interface: wwan0, gateway: 10.9.0.1, tier: 2 }
          - { name: sat, interface: sat0, gateway: 10.8.0.1, tier: 3 }
        """;

    private readonly ManualTime _time = new();

    private FailbackPolicy Policy(string yaml = Yaml) => new(ConfigLoader.LoadText(yaml, "test.yaml"), _time);

    private static HashSet<string> Down(params string[] names) => [.. names];

    private static string[] Names(IEnumerable<FailbackFlush> flushes) => flushes.Select(f => f.Uplink.Name).ToArray();

    [Fact]
    public void After_tier_1_returns_the_reserve_is_flushed_once_the_hold_has_run_and_only_once()
    {
        var p = Policy();
        p.Observe(Down());
        p.Observe(Down("a", "b"));           // lte takes over
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(p.Due());

        p.Observe(Down("b"));                // a is back
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(30), p.DueAt);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(p.Due());
        _time.Advance(TimeSpan.FromSeconds(1));

        var flush = Assert.Single(p.Due());
        Assert.Equal("lte", flush.Uplink.Name);
        Assert.Equal(Families.IPv4, flush.Families);
        Assert.Equal(1, flush.BetterTier);
        Assert.Null(p.DueAt);
        _time.Advance(TimeSpan.FromMinutes(1));
        p.Observe(Down());
        Assert.Empty(p.Due());
    }

    [Fact]
    public void The_hold_is_dropped_when_the_better_tier_fails_again_and_restarts_when_it_returns()
    {
        var p = Policy();
        p.Observe(Down("a", "b"));
        p.Observe(Down("b"));
        _time.Advance(TimeSpan.FromSeconds(20));
        p.Observe(Down("a", "b"));           // a fails again: lte is the best there is
        Assert.Null(p.DueAt);
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(p.Due());

        p.Observe(Down("a"));                // b returns: the hold starts again
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(p.Due());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["lte"], Names(p.Due()));
    }

    [Fact]
    public void One_tier_1_uplink_failing_while_the_other_stays_up_keeps_the_hold()
    {
        var p = Policy();
        p.Observe(Down("a", "b"));
        p.Observe(Down());
        _time.Advance(TimeSpan.FromSeconds(15));
        p.Observe(Down("a"));
        _time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(["lte"], Names(p.Due()));
    }

    [Fact]
    public void Never_flushes_when_no_better_uplink_is_healthy()
    {
        var p = Policy();
        p.Observe(Down("a", "b"));
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Empty(p.Due());

        p.Observe(Down("a", "b", "lte", "sat"));   // everything down: the main table
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Empty(p.Due());
        Assert.Null(p.DueAt);

        p.Observe(Down("a", "b", "sat"));          // lte back, nothing worse was in use since
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Empty(p.Due());
    }

    [Fact]
    public void Every_worse_tier_used_since_the_last_failback_is_flushed_but_not_the_better_ones()
    {
        var p = Policy();
        p.Observe(Down("a", "b", "lte"));    // sat (tier 3) in use
        p.Observe(Down("a", "b"));           // lte (tier 2) back
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(["sat"], Names(p.Due()));

        p.Observe(Down("a", "b", "lte"));    // sat again
        p.Observe(Down("b"));                // straight to tier 1
        _time.Advance(TimeSpan.FromSeconds(30));
        var flushes = p.Due();
        Assert.Equal(["lte", "sat"], Names(flushes));
        Assert.All(flushes, f => Assert.Equal(1, f.BetterTier));
    }

    [Fact]
    public void After_everything_was_down_the_tier_used_before_is_still_left_when_a_better_one_returns()
    {
        var p = Policy();
        p.Observe(Down("a", "b"));
        p.Observe(Down("a", "b", "lte", "sat"));
        p.Observe(Down("b", "lte", "sat"));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(["lte"], Names(p.Due()));
    }

    [Fact]
    public void New_only_never_flushes()
    {
        var p = Policy(Yaml.Replace("failback: move", "failback: new-only"));
        p.Observe(Down("a", "b"));
        p.Observe(Down());
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Empty(p.Due());
        Assert.Null(p.DueAt);
        Assert.False(p.Enabled);
    }

    [Fact]
    public void A_dual_reserve_is_flushed_only_in_the_family_a_better_tier_took_over()
    {
        var p = Policy("""
            lan: [lan0]
            failback: move
            uplinks:
              - { name: a, interface: wan1, gateway: 10.1.0.1 }
              - { name: lte, interface: wwan0, gateway: 10.9.0.1, gateway6: "2001:db8::1", tier: 2 }
            """);
        p.Observe(Down("a"));
        p.Observe(Down());
        _time.Advance(JunctionModel.DefaultFailbackHold);

        var flush = Assert.Single(p.Due());
        Assert.Equal(Families.IPv4, flush.Families);
    }

    [Fact]
    public void A_reload_that_keeps_tiers_and_failback_keeps_the_pending_hold()
    {
        var p = Policy();
        p.Observe(Down("a", "b"));
        p.Observe(Down());
        var same = p.For(ConfigLoader.LoadText(Yaml + "\nbypass: [10.0.0.0/8]\n", "test.yaml"));
        var other = p.For(ConfigLoader.LoadText(Yaml.Replace("30s", "10s"), "test.yaml"));

        Assert.Same(p, same);
        Assert.NotSame(p, other);
        Assert.Null(other.DueAt);
    }
}
