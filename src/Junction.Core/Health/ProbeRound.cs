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

    /// <summary>Each target's answer (its RTT) or what went wrong, comma-separated.</summary>
    public string Detail => string.Join(", ", Results);

    /// <summary>
    /// For people and logs. With one target the counts say nothing its answer does not, so
    /// only the answer is shown ("10.100.3.1 no echo reply within 300 ms").
    /// </summary>
    public override string ToString() => Error is not null ? $"round failed: {Error}"
        : Results.Count == 1 && Require == 1 ? Detail
        : $"{Answered}/{Results.Count} answered, {Require} required: {Detail}";

    /// <summary>Why a good round brings an uplink up: "probes answered (1/1): 10.100.1.1 1.9 ms".</summary>
    public string Answers => Error is not null ? ToString()
        : $"probes answered ({Answered}/{Results.Count}{(Require < Results.Count ? $", {Require} required" : "")}): {Detail}";
}
