namespace Junction.Health.Tests;

/// <summary>One uplink's state machine, driven by rounds, link signals and a manual clock.</summary>
public sealed class UplinkHealthTests
{
    private readonly ManualTime _time = new();

    private UplinkHealth Machine(DampingPolicy? damping = null) =>
        new("isp1", Rounds.Probe, damping ?? DampingPolicy.Default, _time);

    private static void Feed(UplinkHealth u, ProbeRound round, int times)
    {
        for (var i = 0; i < times; i++) u.OnRound(round);
    }

    [Fact]
    public void Starts_unknown_and_comes_up_on_the_first_good_round()
    {
        var u = Machine();
        Assert.Equal(HealthState.Unknown, u.State);
        var t = u.OnRound(Rounds.Good);
        Assert.NotNull(t);
        Assert.Equal((HealthState.Unknown, HealthState.Up), (t.From, t.To));
        Assert.StartsWith("probes answered (", t.Reason);
    }

    [Fact]
    public void Goes_down_after_down_after_failed_rounds_and_not_before()
    {
        var u = Machine();
        u.OnRound(Rounds.Good);
        Assert.Null(u.OnRound(Rounds.Bad));
        Assert.Null(u.OnRound(Rounds.Bad));
        _time.Advance(TimeSpan.FromMilliseconds(600));
        var t = u.OnRound(Rounds.Bad);
        Assert.NotNull(t);
        Assert.Equal(HealthState.Down, u.State);
        Assert.Contains("3 failed rounds in a row", t.Reason);
        Assert.Contains("timed out", t.Reason);
        Assert.Equal(_time.GetUtcNow(), t.At);
    }

    [Fact]
    public void A_good_round_resets_the_failure_count()
    {
        var u = Machine();
        u.OnRound(Rounds.Good);
        Feed(u, Rounds.Bad, 2);
        u.OnRound(Rounds.Good);
        Feed(u, Rounds.Bad, 2);
        Assert.Equal(HealthState.Up, u.State);
    }

    [Fact]
    public void Recovery_needs_up_after_good_rounds_in_a_row()
    {
        var u = Machine();
        u.OnRound(Rounds.Good);
        Feed(u, Rounds.Bad, 3);
        Feed(u, Rounds.Good, 4);
        u.OnRound(Rounds.Bad);
        Feed(u, Rounds.Good, 4);
        Assert.Equal(HealthState.Down, u.State);
        var t = u.OnRound(Rounds.Good);
        Assert.NotNull(t);
        Assert.Equal(HealthState.Up, u.State);
        Assert.Contains("5 good rounds in a row", t.Reason);
    }

    [Fact]
    public void Carrier_loss_takes_it_down_at_once_with_the_reason()
    {
        var u = Machine();
        u.OnRound(Rounds.Good);
        var t = u.OnLink(LinkSignal.CarrierDown);
        Assert.NotNull(t);
        Assert.Equal((HealthState.Up, HealthState.Down, "carrier lost"), (t.From, t.To, t.Reason));
    }

    [Fact]
    public void Address_loss_takes_it_down_at_once()
    {
        var u = Machine();
        u.OnRound(Rounds.Good);
        Assert.Equal("address removed", u.OnLink(LinkSignal.AddressLost)?.Reason);
        Feed(u, Rounds.Good, 10);
        Assert.Equal(HealthState.Down, u.State);
        Assert.Null(u.OnLink(LinkSignal.AddressRestored));
        Feed(u, Rounds.Good, 5);
        Assert.Equal(HealthState.Up, u.State);
    }

    [Fact]
    public void Carrier_back_still_needs_up_after_good_rounds()
    {
        var u = Machine();
        u.OnRound(Rounds.Good);
        u.OnLink(LinkSignal.CarrierDown);
        // Good rounds still in flight from before the loss must not count.
        Feed(u, Rounds.Good, 10);
        Assert.Null(u.OnLink(LinkSignal.CarrierUp));
        Assert.Equal(HealthState.Down, u.State);
        Feed(u, Rounds.Good, 4);
        Assert.Equal(HealthState.Down, u.State);
        u.OnRound(Rounds.Good);
        Assert.Equal(HealthState.Up, u.State);
    }

    [Fact]
    public void Carrier_loss_while_down_changes_nothing()
    {
        var u = Machine();
        Feed(u, Rounds.Bad, 3);
        Assert.Equal(HealthState.Down, u.State);
        Assert.Null(u.OnLink(LinkSignal.CarrierDown));
    }

    [Fact]
    public void A_first_failure_after_a_stable_period_has_no_hold()
    {
        var u = Machine();
        u.OnRound(Rounds.Good);
        _time.Advance(TimeSpan.FromMinutes(5));
        u.OnLink(LinkSignal.CarrierDown);
        Assert.Equal(TimeSpan.Zero, u.Hold);
        u.OnLink(LinkSignal.CarrierUp);
        Feed(u, Rounds.Good, 5);
        Assert.Equal(HealthState.Up, u.State);
    }

    [Fact]
    public void A_flapping_link_is_held_down_longer_each_time()
    {
        var u = Machine();
        u.OnRound(Rounds.Good);
        var holds = new List<TimeSpan>();
        for (var flap = 0; flap < 7; flap++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            var down = u.OnLink(LinkSignal.CarrierDown);
            Assert.NotNull(down);
            holds.Add(u.Hold);
            u.OnLink(LinkSignal.CarrierUp);
            // Five good rounds are not enough while the hold lasts...
            Feed(u, Rounds.Good, 5);
            if (u.Hold > TimeSpan.Zero) Assert.Equal(HealthState.Down, u.State);
            // ...the first good round after it ends brings the link back.
            _time.Advance(u.Hold);
            u.OnRound(Rounds.Good);
            Assert.Equal(HealthState.Up, u.State);
        }
        Assert.Equal([0, 2, 4, 8, 16, 32, 60], holds.Select(h => (int)h.TotalSeconds));
    }

    [Fact]
    public void The_hold_is_in_the_reason()
    {
        var u = Machine();
        u.OnRound(Rounds.Good);
        u.OnLink(LinkSignal.CarrierDown);
        u.OnLink(LinkSignal.CarrierUp);
        Feed(u, Rounds.Good, 5);
        var t = u.OnLink(LinkSignal.CarrierDown);
        Assert.Contains("held down for 2 s (flapping)", t!.Reason);
    }

    [Fact]
    public void Staying_up_forgives_earlier_flaps()
    {
        var u = Machine();
        u.OnRound(Rounds.Good);
        for (var i = 0; i < 2; i++)
        {
            u.OnLink(LinkSignal.CarrierDown);
            u.OnLink(LinkSignal.CarrierUp);
            _time.Advance(u.Hold);
            Feed(u, Rounds.Good, 5);
        }
        Assert.Equal(TimeSpan.FromSeconds(2), u.Hold);
        _time.Advance(TimeSpan.FromSeconds(30));
        u.OnLink(LinkSignal.CarrierDown);
        Assert.Equal(TimeSpan.Zero, u.Hold);
    }

    [Fact]
    public void The_hold_is_waived_when_no_other_uplink_is_up()
    {
        var u = Machine();
        u.OnRound(Rounds.Good);
        u.OnLink(LinkSignal.CarrierDown);
        u.OnLink(LinkSignal.CarrierUp);
        Feed(u, Rounds.Good, 5);
        u.OnLink(LinkSignal.CarrierDown);
        Assert.True(u.Hold > TimeSpan.Zero);
        u.OnLink(LinkSignal.CarrierUp);
        Feed(u, Rounds.Good, 4);
        var t = u.OnRound(Rounds.Good, waiveHold: true);
        Assert.NotNull(t);
        Assert.Contains("hold waived", t.Reason);
    }

    [Fact]
    public void Without_probes_the_uplink_follows_its_link_with_damping()
    {
        var u = new UplinkHealth("vpna", Model.ProbeModel.None, DampingPolicy.Default, _time);
        Assert.Equal(HealthState.Up, u.Tick()?.To);
        Assert.Equal(HealthState.Down, u.OnLink(LinkSignal.CarrierDown)?.To);
        Assert.Equal(HealthState.Up, u.OnLink(LinkSignal.CarrierUp)?.To);
        Assert.Equal(HealthState.Down, u.OnLink(LinkSignal.CarrierDown)?.To);
        Assert.Null(u.OnLink(LinkSignal.CarrierUp));
        Assert.Null(u.Tick());
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(HealthState.Up, u.Tick()?.To);
    }

    [Fact]
    public void With_probes_tick_changes_nothing()
    {
        var u = Machine();
        Assert.Null(u.Tick());
        Assert.Equal(HealthState.Unknown, u.State);
        Assert.Null(u.NextTick);
    }

    [Fact]
    public void Without_probes_the_next_tick_is_due_when_the_hold_ends_and_a_tick_before_it_changes_nothing()
    {
        var u = new UplinkHealth("vpna", Model.ProbeModel.None, DampingPolicy.Default, _time);
        Assert.Equal(_time.GetUtcNow(), u.NextTick);
        u.Tick();
        Assert.Null(u.NextTick);
        u.OnLink(LinkSignal.CarrierDown);
        Assert.Null(u.NextTick);
        u.OnLink(LinkSignal.CarrierUp);
        u.OnLink(LinkSignal.CarrierDown);
        // Flapped: held down. The link is not ready, so nothing is due until it is.
        Assert.Null(u.NextTick);
        Assert.Null(u.OnLink(LinkSignal.CarrierUp));
        Assert.True(u.HeldUntil > _time.GetUtcNow());
        Assert.Equal(u.HeldUntil, u.NextTick);

        _time.Advance(u.HeldUntil - _time.GetUtcNow() - TimeSpan.FromTicks(1));
        Assert.Null(u.Tick());
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(HealthState.Up, u.Tick()?.To);
        Assert.Null(u.NextTick);
    }
}
