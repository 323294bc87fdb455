namespace Junction.Health.Tests;

/// <summary>The probe cadence, with a manual clock and a seeded random.</summary>
public sealed class ProbeSchedulerTests
{
    private readonly ManualTime _time = new();

    [Fact]
    public void Delays_stay_within_five_percent_of_the_interval_and_vary()
    {
        var s = new ProbeScheduler(_time, new Random(42));
        var delays = Enumerable.Range(0, 1000).Select(_ => s.NextDelay(TimeSpan.FromMilliseconds(200))).ToList();
        Assert.All(delays, d => Assert.InRange(d.TotalMilliseconds, 190, 210));
        Assert.True(delays.Distinct().Count() > 100);
        Assert.InRange(delays.Average(d => d.TotalMilliseconds), 198, 202);
    }

    [Fact]
    public void The_same_seed_gives_the_same_schedule()
    {
        var a = new ProbeScheduler(_time, new Random(7));
        var b = new ProbeScheduler(_time, new Random(7));
        Assert.Equal(Enumerable.Range(0, 10).Select(_ => a.NextDelay(TimeSpan.FromSeconds(1))),
            Enumerable.Range(0, 10).Select(_ => b.NextDelay(TimeSpan.FromSeconds(1))));
    }

    [Fact]
    public async Task Rounds_start_every_interval_and_are_reported_in_start_order()
    {
        var s = new ProbeScheduler(_time, new Random(1));
        var starts = new List<DateTimeOffset>();
        var pending = new List<TaskCompletionSource<ProbeRound>>();
        var reported = new List<ProbeRound>();
        using var cancel = new CancellationTokenSource();

        var run = s.RunAsync(Rounds.Probe,
            _ =>
            {
                lock (starts)
                {
                    starts.Add(_time.GetUtcNow());
                    var tcs = new TaskCompletionSource<ProbeRound>(TaskCreationOptions.RunContinuationsAsynchronously);
                    pending.Add(tcs);
                    return tcs.Task;
                }
            },
            r => { lock (reported) reported.Add(r); },
            cancel.Token);

        // Three rounds start while none has finished: a slow round does not delay the next.
        for (var i = 0; i < 2; i++)
        {
            _time.WaitForPending(1);
            _time.Advance(TimeSpan.FromMilliseconds(210));
        }
        _time.WaitForPending(1);
        lock (starts) Assert.Equal(3, starts.Count);
        Assert.All(starts.Zip(starts.Skip(1)), p => Assert.InRange((p.Second - p.First).TotalMilliseconds, 190, 210));

        // The second and third finish first; still the first is reported first.
        var first = Rounds.Bad;
        pending[2].SetResult(Rounds.Good);
        pending[1].SetResult(Rounds.Good);
        pending[0].SetResult(first);
        await cancel.CancelAsync();
        await run;
        Assert.Equal(3, reported.Count);
        Assert.Same(first, reported[0]);
    }

    [Fact]
    public async Task A_round_that_throws_counts_as_a_failed_round()
    {
        var s = new ProbeScheduler(_time, new Random(1));
        var reported = new TaskCompletionSource<ProbeRound>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();
        var run = s.RunAsync(Rounds.Probe, _ => throw new InvalidOperationException("no socket"),
            r => reported.TrySetResult(r), cancel.Token);
        var round = await reported.Task;
        Assert.False(round.Good);
        Assert.Contains("no socket", round.ToString());
        await cancel.CancelAsync();
        await run;
    }
}
