using Junction.Model;

namespace Junction.Health;

/// <summary>The outcome of one probe to one target.</summary>
public sealed record ProbeResult(ProbeTarget Target, bool Answered, TimeSpan? Rtt, string? Error)
{
    public static ProbeResult Ok(ProbeTarget target, TimeSpan rtt) => new(target, true, rtt, null);

    public static ProbeResult Failed(ProbeTarget target, string error) => new(target, false, null, error);

    /// <summary>
    /// A probe whose answer the round did not wait for: the others had already decided it
    /// (<see cref="ProbeRound.CollectAsync"/>). Neither an answer nor a loss.
    /// </summary>
    public static ProbeResult NotWaitedFor(ProbeTarget target) => new(target, false, null, "not waited for") { Skipped = true };

    /// <summary>See <see cref="NotWaitedFor"/>: loss figures leave it out.</summary>
    public bool Skipped { get; init; }

    public override string ToString() => Answered ? $"{Target} {Rtt?.TotalMilliseconds:0.##} ms" : $"{Target} {Error}";
}
