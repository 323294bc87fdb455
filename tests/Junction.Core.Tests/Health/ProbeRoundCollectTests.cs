using System.Net;
using Junction.Model;

namespace Junction.Health.Tests;

/// <summary>
/// <see cref="ProbeRound.CollectAsync"/> decides a round as soon as its outcome is certain,
/// on an injected clock: the clock is moved only to the first answers, never to the
/// timeout of the targets that do not answer.
/// </summary>
public sealed class ProbeRoundCollectTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);
    private static readonly ProbeTarget A = new(IPAddress.Parse("10.100.1.1"), null);
    private static readonly ProbeTarget B = new(IPAddress.Parse("10.100.1.2"), null);
    private static readonly ProbeTarget C = new(IPAddress.Parse("10.100.1.3"), null);
    private static readonly ProbeTarget[] Targets = [A, B, C];

    /// <summary>A probe that answers (or fails) after <paramref name="after"/> on the manual clock.</summary>
    private static async Task<ProbeResult> Probe(ManualTime time, ProbeTarget target, TimeSpan after, bool answers, string error = "")
    {
        await Task.Delay(after, time);
        return answers ? ProbeResult.Ok(target, after) : ProbeResult.Failed(target, error);
    }

    /// <summary>Whether <paramref name="round"/> ends within <paramref name="bound"/> of real time (the clock stands still).</summary>
    private static async Task<bool> Ends(Task round, TimeSpan bound) =>
        await Task.WhenAny(round, Task.Delay(bound, TestContext.Current.CancellationToken)) == round;

    private static Task<ProbeResult> Dead(ManualTime time, ProbeTarget target) =>
        Probe(time, target, Timeout, false, "no echo reply within 60000 ms");

    [Fact]
    public async Task One_answer_decides_a_round_that_requires_one_without_waiting_for_the_dead_targets()
    {
        var time = new ManualTime();
        var sends = new[] { Probe(time, A, TimeSpan.FromMilliseconds(2), true), Dead(time, B), Dead(time, C) };
        var round = ProbeRound.CollectAsync(Targets, sends, require: 1);

        time.Advance(TimeSpan.FromMilliseconds(2));

        Assert.True(await Ends(round, TimeSpan.FromSeconds(10)), "the round waited for the dead targets' timeout");
        var result = await round;
        Assert.True(result.Good, result.ToString());
        Assert.Equal(1, result.Decided);
        Assert.Equal("1/3 answered, 1 required: 10.100.1.1 2 ms, 10.100.1.2 not waited for, 10.100.1.3 not waited for", result.ToString());
    }

    [Fact]
    public async Task A_round_is_bad_as_soon_as_too_few_targets_can_still_answer()
    {
        var time = new ManualTime();
        var sends = new[]
        {
            Probe(time, A, TimeSpan.FromMilliseconds(1), false, "network unreachable"),
            Probe(time, B, TimeSpan.FromSeconds(30), true),
            Probe(time, C, TimeSpan.FromSeconds(30), true),
        };
        var round = ProbeRound.CollectAsync(Targets, sends, require: 3);

        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(await Ends(round, TimeSpan.FromSeconds(10)), "the round waited although it could no longer be good");
        var result = await round;
        Assert.False(result.Good);
        Assert.Equal(1, result.Decided);
        Assert.Equal(0, result.Answered);
    }

    [Fact]
    public async Task A_round_waits_while_its_outcome_is_still_open()
    {
        var time = new ManualTime();
        var sends = new[]
        {
            Probe(time, A, TimeSpan.FromMilliseconds(1), true),
            Probe(time, B, TimeSpan.FromMilliseconds(2), false, "no echo reply"),
            Probe(time, C, TimeSpan.FromMilliseconds(5), true),
        };
        var round = ProbeRound.CollectAsync(Targets, sends, require: 2);

        time.Advance(TimeSpan.FromMilliseconds(2));
        // One answered, one failed: the third decides. Nothing can complete the round before
        // the clock reaches it, so this wait cannot pass by luck.
        Assert.False(await Ends(round, TimeSpan.FromMilliseconds(200)));

        time.Advance(TimeSpan.FromMilliseconds(3));
        Assert.True(await Ends(round, TimeSpan.FromSeconds(10)));
        var result = await round;
        Assert.True(result.Good);
        Assert.Equal(3, result.Decided);
    }

    [Fact]
    public async Task Every_target_failing_is_a_bad_round_with_every_failure_counted()
    {
        var time = new ManualTime();
        var sends = Targets.Select(t => Dead(time, t)).ToArray();
        var round = ProbeRound.CollectAsync(Targets, sends, require: 1);

        time.Advance(Timeout);

        Assert.True(await Ends(round, TimeSpan.FromSeconds(10)));
        var result = await round;
        Assert.False(result.Good);
        Assert.Equal(3, result.Decided);
    }
}
