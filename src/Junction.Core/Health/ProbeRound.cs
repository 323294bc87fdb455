namespace Junction.Health;

/// <summary>
/// One round of probes to all of an uplink's targets. It is good when at least
/// <see cref="Require"/> targets answered, so one unreachable target out of three does
/// not take a link down unless the configuration asks for it.
/// </summary>
public sealed record ProbeRound(IReadOnlyList<ProbeResult> Results, int Require, string? Error = null)
{
    public int Answered => Results.Count(r => r.Answered);

    public bool Good => Error is null && Answered >= Require;

    /// <summary>A round that could not run at all (e.g. the socket could not be made).</summary>
    public static ProbeRound Broken(string error) => new([], 1, error);

    public override string ToString() => Error is not null
        ? $"round failed: {Error}"
        : $"{Answered}/{Results.Count} answered, {Require} required: {string.Join(", ", Results)}";
}
