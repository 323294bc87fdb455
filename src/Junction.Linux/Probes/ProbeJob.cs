using Junction.Health;
using Junction.Model;

namespace Junction.Linux.Probes;

/// <summary>
/// One uplink's probing as <see cref="ProbeEngine"/> runs it: the configured probe, the
/// binding that makes it leave through the uplink, and its adaptive timeout (each round
/// is given its current value and fed back once reported).
/// </summary>
public sealed record ProbeJob(string Uplink, ProbeModel Probe, ProbeBinding Binding, AdaptiveTimeout Timeout)
{
    /// <summary>
    /// Hears every round, on the engine's thread, as it finishes: where the statistics status
    /// reads (loss, the last RTT) are kept, including rounds that are not handed over.
    /// </summary>
    public Action<ProbeRound>? Observed { get; init; }
}

/// <summary>A finished round of <see cref="ProbeEngine"/>'s job number <see cref="Job"/>.</summary>
public readonly record struct ProbeReport(int Job, ProbeRound Round);
