namespace Junction.Health;

/// <summary>
/// The validated <c>passive:</c> settings: whether new TCP connections are watched, how many
/// different destinations must go unanswered on one uplink before it is suspect, and how the
/// answer deadline follows the uplink's measured handshake times.
/// </summary>
public sealed record PassiveModel(bool Enabled, int Destinations, TimeSpan DeadlineFloor, double DeadlineFactor)
{
    public const int DefaultDestinations = 3;
    public static readonly TimeSpan DefaultDeadlineFloor = TimeSpan.FromMilliseconds(50);
    public const double DefaultDeadlineFactor = 3;

    /// <summary>The deadline before any handshake was measured, and the most it can be.</summary>
    public static readonly TimeSpan DeadlineCap = TimeSpan.FromSeconds(2);

    /// <summary>How long an unanswered connection counts, and how recent another uplink's answer must be.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    /// <summary>The share of handshake times below the deadline's base (before the factor).</summary>
    public const double Percentile = 0.95;

    public static readonly PassiveModel Default = new(true, DefaultDestinations, DefaultDeadlineFloor, DefaultDeadlineFactor);

    public static readonly PassiveModel Off = Default with { Enabled = false };
}
