namespace Junction.Health.Tests;

/// <summary>Passive health's decisions, fed connection events with a manual clock.</summary>
public sealed class PassiveMonitorTests
{
    private readonly ManualTime _time = new();
    private uint _id;

    // A 100 ms floor, whatever the default: the timings below are written against it.
    private static readonly PassiveModel Floor100 = PassiveModel.Default with { DeadlineFloor = TimeSpan.FromMilliseconds(100) };

    private PassiveMonitor Monitor(PassiveModel? model = null) => new(model ?? Floor100, ["isp1", "isp2"], _time);

    /// <summary>A connection answered after <paramref name="ms"/>.</summary>
    private void Handshake(PassiveMonitor m, string uplink, string destination, double ms = 10)
    {
        var id = ++_id;
        m.Opened(uplink, id, destination);
        _time.Advance(TimeSpan.FromMilliseconds(ms));
        m.Answered(uplink, id);
    }

    private uint Open(PassiveMonitor m, string uplink, string destination)
    {
        m.Opened(uplink, ++_id, destination);
        return _id;
    }

    /// <summary>Both uplinks carry traffic and answer in about 10 ms.</summary>
    private PassiveMonitor Busy()
    {
        var m = Monitor();
        for (var i = 0; i < 20; i++)
        {
            Handshake(m, "isp1", $"198.51.100.{i}");
            Handshake(m, "isp2", $"198.51.100.{i}");
        }
        Assert.Empty(m.Check());
        return m;
    }

    [Fact]
    public void The_deadline_follows_measured_handshakes_with_a_floor_and_starts_at_the_cap()
    {
        var m = Monitor();
        Assert.Equal(PassiveModel.DeadlineCap, m.Deadline("isp1"));
        for (var i = 0; i < 20; i++) Handshake(m, "isp1", "a", ms: 10);
        Assert.Equal(Floor100.DeadlineFloor, m.Deadline("isp1"));
        for (var i = 0; i < 64; i++) Handshake(m, "isp1", "a", ms: 80);
        Assert.Equal(240, m.Deadline("isp1").TotalMilliseconds, 3);
    }

    [Fact]
    public void Unanswered_connections_to_three_destinations_make_a_busy_uplink_suspect_once()
    {
        var m = Busy();
        Open(m, "isp1", "a");
        Open(m, "isp1", "b");
        Handshake(m, "isp2", "a");
        Open(m, "isp1", "c");
        _time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Empty(m.Check());
        _time.Advance(TimeSpan.FromMilliseconds(20));

        var s = Assert.Single(m.Check());
        Assert.Equal(("isp1", 3, 3), (s.Uplink, s.Connections, s.Destinations));
        Assert.Contains("3 new connections to 3 destinations unanswered within 100 ms", s.Reason);
        Open(m, "isp1", "d");
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Empty(m.Check());
    }

    [Fact]
    public void Sleeping_until_the_next_deadline_finds_the_suspicion_when_the_last_connection_is_overdue()
    {
        var m = Busy();
        Assert.Null(m.UntilNextDeadline());
        Open(m, "isp1", "a");
        _time.Advance(TimeSpan.FromMilliseconds(30));
        Open(m, "isp1", "b");
        Handshake(m, "isp2", "a");
        Open(m, "isp1", "c");

        // Opened at 0, 30 and 40 ms with a 100 ms deadline; it is now 40 ms.
        var waits = new List<double>();
        IReadOnlyList<PassiveSuspicion> found = [];
        while (m.UntilNextDeadline() is { } wait)
        {
            waits.Add(wait.TotalMilliseconds);
            _time.Advance(wait);
            found = m.Check();
            if (found.Count > 0) break;
        }
        Assert.Equal([60, 30, 10], waits);
        Assert.Equal("isp1", Assert.Single(found).Uplink);
        Assert.Null(m.UntilNextDeadline());
    }

    [Fact]
    public void One_dead_destination_is_never_enough_however_many_connections_fail()
    {
        var m = Busy();
        for (var i = 0; i < 50; i++)
        {
            Open(m, "isp1", "dead");
            Open(m, "isp2", "dead");
            _time.Advance(TimeSpan.FromMilliseconds(50));
            Assert.Empty(m.Check());
        }
    }

    [Fact]
    public void An_answer_on_the_uplink_clears_the_evidence_before_it()
    {
        var m = Busy();
        Open(m, "isp1", "a");
        Open(m, "isp1", "b");
        _time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.Empty(m.Check());
        Handshake(m, "isp1", "z");
        Open(m, "isp1", "c");
        _time.Advance(TimeSpan.FromMilliseconds(150));
        Handshake(m, "isp2", "z");

        Assert.Empty(m.Check());
    }

    [Fact]
    public void A_late_answer_takes_its_connection_back_out_of_the_evidence()
    {
        var m = Busy();
        var a = Open(m, "isp1", "a");
        Open(m, "isp1", "b");
        _time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.Empty(m.Check());
        m.Answered("isp1", a);   // slow, but the link carries
        Open(m, "isp1", "c");
        Open(m, "isp1", "d");
        _time.Advance(TimeSpan.FromMilliseconds(150));
        Handshake(m, "isp2", "z");

        // b started before the late answer: only c and d count, two destinations.
        Assert.Empty(m.Check());
    }

    [Fact]
    public void No_suspicion_when_no_other_uplink_answers()
    {
        var m = Monitor();
        for (var i = 0; i < 10; i++) Handshake(m, "isp1", "a");
        foreach (var d in new[] { "a", "b", "c", "d" }) Open(m, "isp1", d);
        _time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Empty(m.Check());
    }

    [Fact]
    public void Other_answers_must_be_recent()
    {
        var m = Busy();
        _time.Advance(PassiveModel.Window + TimeSpan.FromSeconds(1));
        foreach (var d in new[] { "a", "b", "c" }) Open(m, "isp1", d);
        _time.Advance(TimeSpan.FromMilliseconds(200));

        Assert.Empty(m.Check());
    }

    [Fact]
    public void Reset_asks_for_fresh_evidence_and_lost_events_forget_what_was_pending()
    {
        var m = Busy();
        foreach (var d in new[] { "a", "b", "c" }) Open(m, "isp1", d);
        _time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.Single(m.Check());
        m.Reset("isp1");
        Assert.Empty(m.Check());

        foreach (var d in new[] { "d", "e", "f" }) Open(m, "isp1", d);
        m.EventsLost();
        Handshake(m, "isp2", "z");
        _time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.Empty(m.Check());
    }

    [Fact]
    public void Off_watches_nothing_and_thresholds_are_honoured()
    {
        var off = new PassiveMonitor(PassiveModel.Off, ["isp1", "isp2"], _time);
        off.Opened("isp2", 1, "a");
        off.Answered("isp2", 1);
        foreach (var d in new[] { "a", "b", "c", "d" }) off.Opened("isp1", ++_id, d);
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Empty(off.Check());

        var five = Monitor(Floor100 with { Destinations = 5 });
        for (var i = 0; i < 5; i++) Handshake(five, "isp1", "a");
        Handshake(five, "isp2", "a");
        foreach (var d in new[] { "a", "b", "c", "d" }) Open(five, "isp1", d);
        _time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.Empty(five.Check());
        Open(five, "isp1", "e");
        Handshake(five, "isp2", "a");
        _time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.Equal(5, Assert.Single(five.Check()).Destinations);
    }

    [Fact]
    public void Unknown_uplinks_and_ids_are_ignored()
    {
        var m = Busy();
        m.Opened("isp9", 1, "a");
        m.Answered("isp9", 1);
        m.Answered("isp1", 424242);
        Assert.Empty(m.Check());
    }
}
