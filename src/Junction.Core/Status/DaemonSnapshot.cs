using System.Text.Json.Serialization;
using Junction.Health;

namespace Junction.Status;

/// <summary>
/// What the running daemon knows at one moment: the contract between the daemon (which
/// fills it) and everything that reports (control socket, <c>junction status</c>, metrics).
/// Live kernel figures (conntrack counts by mark, nft counters, interface bytes) are not
/// here: reporters read them from the kernel when asked, so they are never stale.
/// </summary>
public sealed record DaemonSnapshot(
    string ConfigPath,
    DateTimeOffset StartedAt,
    DateTimeOffset Now,
    string Balance,
    [property: JsonConverter(typeof(StatusJson.HexMarkConverter))] uint MarkMask,
    bool Fallback,
    ApplyStats Applies,
    IReadOnlyList<UplinkSnapshot> Uplinks)
{
    /// <summary>
    /// Set while the kernel's table is not the plan the daemon applied last (someone removed
    /// or replaced it; the daemon is re-applying), saying how; null when they agree.
    /// </summary>
    public string? TableDrift { get; init; }

    /// <summary>
    /// With <c>failback: move</c>: when the connections left on worse tiers will be flushed,
    /// once the better tier has stayed healthy until then; null when nothing is pending.
    /// </summary>
    public DateTimeOffset? FailbackDue { get; init; }

    /// <summary>This router's part in an HA pair; null without <c>ha:</c>.</summary>
    public HaSnapshot? Ha { get; init; }
}

/// <summary>
/// The VRRP role keepalived reported (master, backup, fault, stop, unknown), how it is known,
/// and the unhealthy-uplink count the daemon gave keepalived (null before the first write).
/// </summary>
public sealed record HaSnapshot(string Role, string Detail, int? HealthReported, string StateDirectory);

/// <summary>How applying has gone since the daemon started.</summary>
public sealed record ApplyStats(
    long Count,
    long Failures,
    DateTimeOffset? LastAppliedAt,
    TimeSpan? LastDuration,
    string? LastError,
    DateTimeOffset? ConfigLoadedAt);

/// <summary>One uplink as the daemon sees it.</summary>
public sealed record UplinkSnapshot(
    string Name,
    string Interface,
    int Weight,
    [property: JsonConverter(typeof(StatusJson.HexMarkConverter))] uint Mark,
    uint Table,
    /// <summary>The planned share of new connections now (0 when down), 0..1.</summary>
    double PlannedShare,
    HealthState State,
    DateTimeOffset Since,
    string Reason,
    long StateChanges,
    /// <summary>Round-trip time of the last good probe, if any.</summary>
    TimeSpan? Rtt,
    /// <summary>Share of probes lost over the recent rounds, 0..1; null without probes.</summary>
    double? Loss,
    /// <summary>Carrier as the last link event said; null before the first one.</summary>
    bool? Carrier,
    IReadOnlyList<string> SnatPool)
{
    /// <summary>The configured tier: 1 is the best.</summary>
    public int Tier { get; init; } = 1;

    /// <summary>
    /// Whether the applied plan gives it new connections: up and in the best tier with a
    /// healthy uplink. Up but not in use means held in reserve.
    /// </summary>
    public bool InUse { get; init; }

    /// <summary>
    /// Why the uplink gets no connections whatever its health (the kernel refused its
    /// gateway, say); null when nothing but health decides.
    /// </summary>
    public string? PlannedOut { get; init; }

    /// <summary>The operator's override (drain, down, up); auto when health alone decides.</summary>
    public OperatorMode Operator { get; init; }

    /// <summary>The timeout its next probe round gets (adaptive: follows the RTT); null without probes.</summary>
    public TimeSpan? ProbeTimeout { get; init; }
}

/// <summary>Anything that can say what the daemon knows now (the daemon itself, or a test's fake).</summary>
public interface IStatusSource
{
    DaemonSnapshot Snapshot();
}
