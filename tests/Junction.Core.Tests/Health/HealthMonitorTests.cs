namespace Junction.Health.Tests;

/// <summary>The aggregate: the unhealthy set the planner takes, and when it changes.</summary>
public sealed class HealthMonitorTests
{
    private readonly ManualTime _time = new();

    private HealthMonitor Monitor(params string[] names) => new(names.Select(n => Rounds.Uplink(n)), _time);

    private static void Feed(HealthMonitor m, string uplink, ProbeRound round, int times)
    {
        for (var i = 0; i < times; i++) m.Report(uplink, round);
    }

    [Fact]
    public void Unknown_uplinks_are_unhealthy_until_their_first_good_round()
    {
        var m = Monitor("a", "b");
        Assert.Equal(["a", "b"], m.Unhealthy.Order());
        var update = m.Report("a", Rounds.Good);
        Assert.True(update.UnhealthyChanged);
        Assert.Equal(["b"], update.Unhealthy);
        Assert.Equal(1, m.Generation);
    }

    [Fact]
    public void Rounds_that_change_no_state_do_not_ask_for_a_re_plan()
    {
        var m = Monitor("a");
        m.Report("a", Rounds.Good);
        var update = m.Report("a", Rounds.Good);
        Assert.False(update.UnhealthyChanged);
        Assert.Empty(update.Transitions);
        Assert.Equal(1, m.Generation);
    }

    [Fact]
    public void Carrier_loss_changes_the_set_at_once()
    {
        var m = Monitor("a", "b");
        m.Report("a", Rounds.Good);
        m.Report("b", Rounds.Good);
        var update = m.Report("b", LinkSignal.CarrierDown);
        Assert.True(update.UnhealthyChanged);
        Assert.Equal(["b"], m.Unhealthy);
        Assert.Equal("carrier lost", Assert.Single(update.Transitions).Reason);
    }

    [Fact]
    public void All_down_then_any_back_recovers_even_while_it_is_held()
    {
        var m = Monitor("a", "b");
        m.Report("a", Rounds.Good);
        m.Report("b", Rounds.Good);
        // Each fails, recovers and fails again at once: both flapped, both are held.
        foreach (var u in new[] { "a", "b" })
        {
            m.Report(u, LinkSignal.CarrierDown);
            _time.Advance(TimeSpan.FromSeconds(1));
            m.Report(u, LinkSignal.CarrierUp);
            Feed(m, u, Rounds.Good, 5);
        }
        Assert.Empty(m.Unhealthy);
        m.Report("a", LinkSignal.CarrierDown);
        m.Report("b", LinkSignal.CarrierDown);
        Assert.All(m.Uplinks.Values, u => Assert.True(u.Hold > TimeSpan.Zero));
        Assert.Equal(["a", "b"], m.Unhealthy.Order());   // planner: main-table fallback

        // With none up, the first one whose rounds are good again comes back without
        // waiting for its hold.
        m.Report("b", LinkSignal.CarrierUp);
        Feed(m, "b", Rounds.Good, 4);
        var update = m.Report("b", Rounds.Good);
        Assert.True(update.UnhealthyChanged);
        Assert.Equal(["a"], m.Unhealthy);

        // a is not waived now that b is up: it waits for its hold.
        m.Report("a", LinkSignal.CarrierUp);
        Feed(m, "a", Rounds.Good, 5);
        Assert.Equal(["a"], m.Unhealthy);
        _time.Advance(TimeSpan.FromSeconds(2));
        m.Report("a", Rounds.Good);
        Assert.Empty(m.Unhealthy);
    }

    [Fact]
    public void A_flapping_link_causes_few_changes()
    {
        var m = Monitor("a", "b");
        m.Report("a", Rounds.Good);
        m.Report("b", Rounds.Good);
        var before = m.Generation;
        // b loses carrier for a moment every second for ten minutes while its probes,
        // every 200 ms, answer whenever the carrier is there.
        for (var second = 0; second < 600; second++)
        {
            m.Report("b", LinkSignal.CarrierDown);
            m.Report("b", LinkSignal.CarrierUp);
            for (var r = 0; r < 5; r++)
            {
                _time.Advance(TimeSpan.FromMilliseconds(200));
                m.Report("b", Rounds.Good);
            }
        }
        var changes = m.Generation - before;
        // Undamped this would be 1200 changes (down and up every second).
        Assert.InRange(changes, 2, 40);
    }

    [Fact]
    public void Tick_brings_back_probe_less_uplinks()
    {
        var m = new HealthMonitor([Rounds.Uplink("vpna", Model.ProbeModel.None)], _time);
        Assert.Equal(["vpna"], m.Unhealthy);
        var update = m.Tick();
        Assert.True(update.UnhealthyChanged);
        Assert.Empty(m.Unhealthy);
    }

    [Fact]
    public void Only_uplinks_without_probes_make_a_tick_due()
    {
        var m = new HealthMonitor([Rounds.Uplink("a"), Rounds.Uplink("vpna", Model.ProbeModel.None)], _time);
        Assert.Equal(_time.GetUtcNow(), m.NextTick);
        m.Tick();
        // vpna is up, a waits for its rounds: no tick is owed until some input arrives.
        Assert.Null(m.NextTick);
        m.Report("vpna", LinkSignal.CarrierDown);
        Assert.Null(m.NextTick);
    }

    [Fact]
    public void Unknown_uplink_names_are_refused()
    {
        var m = Monitor("a");
        Assert.Throws<ArgumentException>(() => m.Report("b", Rounds.Good));
    }
}
