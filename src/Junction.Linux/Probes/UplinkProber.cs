using Junction.Health;
using Junction.Model;

namespace Junction.Linux.Probes;

/// <summary>
/// Runs one round over an uplink's targets: one probe to each, all at once, and the
/// <c>require</c> rule over the answers. Give <see cref="RunRoundAsync"/> to
/// <see cref="ProbeScheduler"/> to probe the uplink every interval.
/// </summary>
public sealed class UplinkProber(ProbeModel probe, IProbe sender)
{
    public static UplinkProber For(ProbeModel probe, ProbeBinding binding, TimeProvider time) =>
        new(probe, probe.Kind == ProbeKind.Tcp ? new TcpProbe(binding, time) : new IcmpProbe(binding, time));

    public ProbeModel Probe => probe;

    /// <summary>
    /// All sockets are made before this returns, in the calling thread's network namespace.
    /// The round ends as soon as its outcome is certain (<see cref="ProbeRound.CollectAsync"/>);
    /// the probes it no longer needs are cancelled then, so their sockets do not linger.
    /// </summary>
    public Task<ProbeRound> RunRoundAsync(CancellationToken cancel) => RunRoundAsync(probe.Timeout, cancel);

    /// <summary>One round whose probes wait <paramref name="timeout"/> (an adaptive one, at most the configured).</summary>
    public Task<ProbeRound> RunRoundAsync(TimeSpan timeout, CancellationToken cancel)
    {
        var targets = probe.Targets;
        if (targets.Count == 1)
            return CollectOne(sender.SendAsync(targets[0], timeout, cancel));
        var round = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var sends = new Task<ProbeResult>[targets.Count];
        for (var i = 0; i < sends.Length; i++) sends[i] = sender.SendAsync(targets[i], timeout, round.Token);
        return Collect(sends, round);
    }

    private async Task<ProbeRound> CollectOne(Task<ProbeResult> send) => new([await send.ConfigureAwait(false)], probe.Require);

    private async Task<ProbeRound> Collect(Task<ProbeResult>[] sends, CancellationTokenSource round)
    {
        try
        {
            return await ProbeRound.CollectAsync(probe.Targets, sends, probe.Require).ConfigureAwait(false);
        }
        finally
        {
            // The rest cannot change the outcome: stop them now rather than at their timeout.
            await round.CancelAsync().ConfigureAwait(false);
            round.Dispose();
        }
    }
}
