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

    /// <summary>All sockets are made before this returns, in the calling thread's network namespace.</summary>
    public Task<ProbeRound> RunRoundAsync(CancellationToken cancel) => RunRoundAsync(probe.Timeout, cancel);

    /// <summary>One round whose probes wait <paramref name="timeout"/> (an adaptive one, at most the configured).</summary>
    public Task<ProbeRound> RunRoundAsync(TimeSpan timeout, CancellationToken cancel)
    {
        var sends = probe.Targets.Select(t => sender.SendAsync(t, timeout, cancel)).ToArray();
        return Collect(sends);
    }

    private async Task<ProbeRound> Collect(Task<ProbeResult>[] sends) =>
        new(await Task.WhenAll(sends).ConfigureAwait(false), probe.Require);
}
