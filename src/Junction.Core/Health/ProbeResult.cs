using Junction.Model;

namespace Junction.Health;

/// <summary>The outcome of one probe to one target.</summary>
public sealed record ProbeResult(ProbeTarget Target, bool Answered, TimeSpan? Rtt, string? Error)
{
    public static ProbeResult Ok(ProbeTarget target, TimeSpan rtt) => new(target, true, rtt, null);

    public static ProbeResult Failed(ProbeTarget target, string error) => new(target, false, null, error);

    public override string ToString() => Answered ? $"{Target} {Rtt?.TotalMilliseconds:0.##} ms" : $"{Target} {Error}";
}
