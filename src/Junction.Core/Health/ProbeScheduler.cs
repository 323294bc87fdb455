using Junction.Model;

namespace Junction.Health;

/// <summary>
/// Starts an uplink's probe rounds every <c>interval</c>, plus or minus a little jitter,
/// and reports each round's result in the order the rounds started. Rounds start on this
/// cadence whether or not the previous one has finished: with a timeout longer than the
/// interval (the defaults: 300 ms and 200 ms) waiting would stretch a dead link's three
/// failed rounds from 900 ms to 1.5 s. Pure apart from the round it is given to run:
/// time and randomness are injected, so tests drive it without sleeping.
/// </summary>
public sealed class ProbeScheduler(TimeProvider time, Random random)
{
    /// <summary>The largest jitter, as a fraction of the interval.</summary>
    public const double Jitter = 0.05;

    /// <summary>A round that never ends would otherwise pile up; beyond this many, a start is skipped.</summary>
    public const int MaxInFlight = 8;

    /// <summary>
    /// The wait before the next round: the interval ± <see cref="Jitter"/>, so uplinks
    /// started together drift apart instead of probing in lock-step.
    /// </summary>
    public TimeSpan NextDelay(TimeSpan interval) =>
        interval * (1 + (random.NextDouble() * 2 - 1) * Jitter);

    /// <summary>
    /// Runs rounds until <paramref name="cancel"/> fires. <paramref name="round"/> must
    /// finish within the probe's timeout; if it throws, that round counts as failed.
    /// <paramref name="report"/> is called for one round at a time, in start order.
    /// </summary>
    public async Task RunAsync(ProbeModel probe, Func<CancellationToken, Task<ProbeRound>> round,
        Action<ProbeRound> report, CancellationToken cancel)
    {
        var reported = Task.CompletedTask;
        var inFlight = 0;
        while (!cancel.IsCancellationRequested)
        {
            if (Volatile.Read(ref inFlight) < MaxInFlight)
            {
                Interlocked.Increment(ref inFlight);
                var running = Run(round, cancel);
                reported = ReportAfter(reported, running, report, () => Interlocked.Decrement(ref inFlight));
            }
            try
            {
                await Task.Delay(NextDelay(probe.Interval), time, cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await reported.ConfigureAwait(false);
    }

    /// <summary>
    /// The same with an adaptive timeout: each round is given <paramref name="timeout"/>'s
    /// current value, and every finished round is fed back to it before it is reported.
    /// </summary>
    public Task RunAsync(ProbeModel probe, AdaptiveTimeout timeout, Func<TimeSpan, CancellationToken, Task<ProbeRound>> round,
        Action<ProbeRound> report, CancellationToken cancel) =>
        RunAsync(probe, c => round(timeout.Current, c), r =>
        {
            timeout.Observe(r);
            report(r);
        }, cancel);

    private static async Task<ProbeRound> Run(Func<CancellationToken, Task<ProbeRound>> round, CancellationToken cancel)
    {
        try
        {
            return await round(cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            return ProbeRound.Broken(e.Message);
        }
    }

    private static async Task ReportAfter(Task previous, Task<ProbeRound> running, Action<ProbeRound> report, Action done)
    {
        try
        {
            await previous.ConfigureAwait(false);
            ProbeRound result;
            try
            {
                result = await running.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // shutting down: a cancelled round says nothing about the link
            }
            report(result);
        }
        finally
        {
            done();
        }
    }
}
