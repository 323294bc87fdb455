using Junction.Health.Tests;

namespace Junction.Status.Tests;

public sealed class NewConnectionWindowTests
{
    private static Dictionary<string, long> C(long a, long b) => new() { ["isp1"] = a, ["isp2"] = b };

    [Fact]
    public void Counts_cover_the_last_minute_only()
    {
        var time = new ManualTime();
        var window = new NewConnectionWindow(time);
        for (var s = 0; s <= 120; s += 5)
        {
            window.Record(C(s * 10, s));     // isp1: 2 per second, isp2: 0.2 per second
            time.Advance(TimeSpan.FromSeconds(5));
        }
        var (covered, counts) = window.Recent();
        Assert.Equal(TimeSpan.FromSeconds(60), covered);
        Assert.Equal(600, counts["isp1"]);
        Assert.Equal(60, counts["isp2"]);
        Assert.Equal(1200, window.Totals()["isp1"]);
    }

    [Fact]
    public void Just_after_start_the_window_is_what_has_been_seen()
    {
        var time = new ManualTime();
        var window = new NewConnectionWindow(time);
        Assert.Equal(TimeSpan.Zero, window.Recent().Covered);
        window.Record(C(100, 100));       // counted before the daemon looked: not in the window
        time.Advance(TimeSpan.FromSeconds(10));
        window.Record(C(130, 110));
        var (covered, counts) = window.Recent();
        Assert.Equal(TimeSpan.FromSeconds(10), covered);
        Assert.Equal(30, counts["isp1"]);
        Assert.Equal(10, counts["isp2"]);
    }

    [Fact]
    public void A_reapply_that_zeroes_the_counters_does_not_make_counts_go_backwards()
    {
        var time = new ManualTime();
        var window = new NewConnectionWindow(time);
        window.Record(C(0, 0));
        time.Advance(TimeSpan.FromSeconds(5));
        window.Record(C(50, 20));
        time.Advance(TimeSpan.FromSeconds(5));
        window.Record(C(7, 3));           // the table was replaced; 7 and 3 are new since
        Assert.Equal(57, window.Recent().Counts["isp1"]);
        Assert.Equal(23, window.Totals()["isp2"]);
    }

    [Fact]
    public void A_chain_that_appears_after_a_sample_without_it_counted_from_zero_since()
    {
        var time = new ManualTime();
        var window = new NewConnectionWindow(time);
        window.Record(new Dictionary<string, long> { ["isp1"] = 5 });
        time.Advance(TimeSpan.FromSeconds(5));
        window.Record(new Dictionary<string, long> { ["isp1"] = 9, ["isp3"] = 40 });
        time.Advance(TimeSpan.FromSeconds(5));
        window.Record(new Dictionary<string, long> { ["isp1"] = 9, ["isp3"] = 44 });
        // isp3's chain did not exist at the first sample: a reload added it, with a fresh counter.
        Assert.Equal(44, window.Recent().Counts["isp3"]);
        Assert.Equal(4, window.Recent().Counts["isp1"]);
    }

    [Fact]
    public void A_table_flushed_behind_the_daemons_back_and_applied_again_counts_from_zero()
    {
        var time = new ManualTime();
        var window = new NewConnectionWindow(time);
        window.Record(C(0, 0));
        time.Advance(TimeSpan.FromSeconds(5));
        window.Record(C(10, 10));
        time.Advance(TimeSpan.FromSeconds(5));
        window.Record(new Dictionary<string, long>());   // nft flush ruleset
        time.Advance(TimeSpan.FromSeconds(5));
        window.Record(C(12, 3));                          // re-applied: 12 and 3 are new since
        Assert.Equal(22, window.Totals()["isp1"]);
        Assert.Equal(13, window.Totals()["isp2"]);
    }

    [Fact]
    public void Connections_made_between_a_first_sample_without_a_table_and_the_next_are_counted()
    {
        // The control socket now opens before the first apply: its first sample finds no table.
        var time = new ManualTime();
        var window = new NewConnectionWindow(time);
        window.Record(new Dictionary<string, long>());
        time.Advance(TimeSpan.FromSeconds(5));
        window.Record(C(20, 40));
        Assert.Equal(20, window.Recent().Counts["isp1"]);
        Assert.Equal(40, window.Totals()["isp2"]);
    }
}
