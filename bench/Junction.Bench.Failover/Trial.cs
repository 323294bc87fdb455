namespace Junction.Bench.Failover;

/// <summary>One attempt: when it started and ended (ms after the fault), and where it went.</summary>
internal sealed record Attempt(double Start, double End, bool Ok, int? Uplink);

/// <summary>
/// The two times the issue asks for, in ms after the fault: until the first new connection
/// that succeeded through another uplink, and until the last new connection that still went
/// to the dead one (every attempt started later went elsewhere). Null when it never happened.
/// </summary>
internal sealed record Trial(string Case, int Number, double? FirstElsewhere, double LastToDead, int Attempts)
{
    /// <summary>Whether the daemon said passive health took the uplink down (not its probes).</summary>
    public bool Passive { get; init; }

    /// <summary>Which daemon build ran the trial.</summary>
    public string Daemon { get; init; } = "this build";

    /// <summary>When the daemon logged the link event, the uplink going down, the apply and the flush (ms after the fault; null: not logged).</summary>
    public double? LinkLogged { get; init; }
    public double? DownLogged { get; init; }
    public double? AppliedLogged { get; init; }
    public double? FlushedLogged { get; init; }

    /// <summary>When the benchmark's own rtnetlink listener in the router read the carrier loss (ms after the fault).</summary>
    public double? KernelEvent { get; init; }

    public string Steps => $"kernel event read by the benchmark {F(KernelEvent)}; link {F(LinkLogged)}, down {F(DownLogged)}, applied {F(AppliedLogged)}, flushed {F(FlushedLogged)}";

    private static string F(double? ms) => ms is { } v ? $"{v:0.0} ms" : "–";

    /// <param name="victims">The uplinks broken (the client's one; or both of tier 1).</param>
    public static Trial From(string kind, int number, IReadOnlySet<int> victims, IReadOnlyList<Attempt> attempts)
    {
        var after = attempts.Where(a => a.Start >= 0).ToList();
        var dead = (Attempt a) => a.Uplink is { } u && victims.Contains(u);
        var elsewhere = after.Where(a => a.Ok && !dead(a)).Select(a => a.End).DefaultIfEmpty(double.NaN).Min();
        // A failed attempt went to a dead uplink (it was the client's uplink); so did one
        // that succeeded through it before the fault took effect.
        var toDead = after.Where(a => !a.Ok || dead(a)).Select(a => a.Start).DefaultIfEmpty(0).Max();
        return new Trial(kind, number, double.IsNaN(elsewhere) ? null : elsewhere, toDead, attempts.Count);
    }
}
