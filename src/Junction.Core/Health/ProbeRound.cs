using Junction.Model;

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

    /// <summary>Probes that were sent and decided (answered or failed): what loss is counted over.</summary>
    public int Decided => Results.Count(r => !r.Skipped);

    /// <summary>A round that could not run at all (e.g. the socket could not be made).</summary>
    public static ProbeRound Broken(string error) => new([], 1, error);

    /// <summary>
    /// Waits for the probes <paramref name="sends"/> (one per target, in order) only until the
    /// round's outcome is certain: good as soon as <paramref name="require"/> answered, bad as
    /// soon as too few can still answer. With <c>require: 1</c> and three targets, one answer
    /// decides the round at once; it does not wait out the timeout of two dead targets (which
    /// kept an uplink 'unknown' for a whole minute with <c>timeout: 1m</c>). Probes not waited
    /// for are <see cref="ProbeResult.NotWaitedFor"/>; the caller may cancel them.
    /// </summary>
    public static async Task<ProbeRound> CollectAsync(IReadOnlyList<ProbeTarget> targets, IReadOnlyList<Task<ProbeResult>> sends, int require)
    {
        if (sends.Count == 1) return new([await sends[0].ConfigureAwait(false)], require);
        var pending = new List<Task<ProbeResult>>(sends);
        var answered = 0;
        while (!IsDecided(answered, pending.Count, require))
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if ((await done.ConfigureAwait(false)).Answered) answered++;
        }
        var results = new ProbeResult[sends.Count];
        for (var i = 0; i < results.Length; i++)
            results[i] = sends[i].IsCompletedSuccessfully ? sends[i].Result : ProbeResult.NotWaitedFor(targets[i]);
        return new(results, require);
    }

    /// <summary>
    /// Whether a round's outcome is certain: every probe is in, <paramref name="require"/>
    /// answered, or too few are still pending to reach it.
    /// </summary>
    public static bool IsDecided(int answered, int pending, int require) =>
        pending == 0 || answered >= require || answered + pending < require;

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
