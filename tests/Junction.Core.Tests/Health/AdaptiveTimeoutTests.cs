using System.Net;
using Junction.Model;

namespace Junction.Health.Tests;

/// <summary>The RTT-following probe timeout, fed rounds with chosen RTTs.</summary>
public sealed class AdaptiveTimeoutTests
{
    private static readonly ProbeTarget Target = new(IPAddress.Parse("192.0.2.1"), null);
    private static readonly TimeSpan Configured = TimeSpan.FromMilliseconds(300);

    private static ProbeRound Answered(params double[] ms) =>
        new([.. ms.Select(m => ProbeResult.Ok(Target, TimeSpan.FromMilliseconds(m)))], 1);

    private static readonly ProbeRound Lost = new([ProbeResult.Failed(Target, "no echo reply")], 1);

    [Fact]
    public void Before_any_answer_the_configured_timeout_is_used()
    {
        var t = new AdaptiveTimeout(Configured);
        Assert.Equal(Configured, t.Current);
        t.Observe(Lost);
        Assert.Equal(Configured, t.Current);
    }

    [Fact]
    public void A_fast_steady_gateway_gets_the_floor_not_the_configured_timeout()
    {
        var t = new AdaptiveTimeout(Configured);
        for (var i = 0; i < 20; i++) t.Observe(Answered(2));
        Assert.Equal(AdaptiveTimeout.Floor, t.Current);
    }

    [Fact]
    public void Smoothed_rtt_plus_four_variations_as_tcp_computes_it()
    {
        var t = new AdaptiveTimeout(TimeSpan.FromSeconds(2));
        t.Observe(Answered(100));   // srtt 100, rttvar 50 -> 300
        Assert.Equal(300, t.Current.TotalMilliseconds, 6);
        t.Observe(Answered(60));    // rttvar = .75*50 + .25*40 = 47.5; srtt = .875*100 + .125*60 = 95 -> 285
        Assert.Equal(285, t.Current.TotalMilliseconds, 6);
        Assert.Equal(95, t.Smoothed!.Value.TotalMilliseconds, 6);
    }

    [Fact]
    public void A_slow_link_is_capped_at_the_configured_timeout()
    {
        var t = new AdaptiveTimeout(Configured);
        for (var i = 0; i < 5; i++) t.Observe(Answered(250, 280));
        Assert.Equal(Configured, t.Current);
    }

    [Fact]
    public void Failed_rounds_double_it_up_to_the_configured_timeout_and_one_answer_ends_the_backoff()
    {
        var t = new AdaptiveTimeout(Configured);
        for (var i = 0; i < 20; i++) t.Observe(Answered(2));
        var seen = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            t.Observe(Lost);
            seen.Add(t.Current.TotalMilliseconds);
        }
        // The computed value (about 2 ms plus variation) doubles; the floor and the cap bound it.
        Assert.Equal(seen.Order(), seen);
        Assert.Equal(Configured.TotalMilliseconds, seen[^1]);
        t.Observe(Answered(2));
        Assert.Equal(AdaptiveTimeout.Floor, t.Current);
    }

    [Fact]
    public void A_jump_in_rtt_is_given_time_before_three_rounds_fail()
    {
        // 20 ms steady, then the queue fills and answers take 150 ms: the first round at the
        // adaptive timeout fails, the backoff lets a later one answer, so no down-after 3.
        var t = new AdaptiveTimeout(Configured);
        for (var i = 0; i < 30; i++) t.Observe(Answered(20));
        var failedInRow = 0;
        for (var i = 0; i < 3; i++)
        {
            if (t.Current.TotalMilliseconds < 150)
            {
                t.Observe(Lost);
                failedInRow++;
            }
            else
            {
                t.Observe(Answered(150));
                failedInRow = 0;
            }
        }
        Assert.True(failedInRow < 3);
    }

    [Fact]
    public void A_configured_timeout_below_the_floor_is_kept()
    {
        var t = new AdaptiveTimeout(TimeSpan.FromMilliseconds(30));
        t.Observe(Answered(1));
        Assert.Equal(30, t.Current.TotalMilliseconds);
    }
}
