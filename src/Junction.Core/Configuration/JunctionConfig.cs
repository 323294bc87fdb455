namespace Junction.Configuration;

/// <summary>
/// The configuration as the user wrote it: every scalar is still text, with its position,
/// so the validator can report the bad value and where it stands.
/// </summary>
public sealed record JunctionConfig(
    string File,
    IReadOnlyList<Sourced<string>> Lan,
    Sourced<string>? Local,
    Sourced<string>? Balance,
    Sourced<string>? MarkMask,
    Sourced<string>? TableBase,
    Sourced<string>? RulePriority,
    IReadOnlyList<Sourced<string>> Bypass,
    IReadOnlyList<UplinkConfig> Uplinks,
    SourcePosition UplinksPosition,
    IReadOnlyList<PinConfig> Pins)
{
    /// <summary><c>flush:</c> what happens to a failed uplink's established connections.</summary>
    public Sourced<string>? Flush { get; init; }

    /// <summary><c>metrics:</c>; null when absent (no metrics listener).</summary>
    public MetricsConfig? Metrics { get; init; }

    /// <summary><c>failback:</c> what happens to connections on worse tiers when a better one returns.</summary>
    public Sourced<string>? Failback { get; init; }

    /// <summary><c>failback-hold:</c> how long the better tier must stay healthy before <c>failback: move</c> flushes.</summary>
    public Sourced<string>? FailbackHold { get; init; }

    /// <summary><c>ha:</c>; null when absent (a single router).</summary>
    public HaConfig? Ha { get; init; }

    /// <summary><c>passive:</c> health from the traffic itself; null when absent (on, with the defaults).</summary>
    public PassiveConfig? Passive { get; init; }
}

/// <summary><c>ha:</c>: this router is one of a keepalived/conntrackd pair.</summary>
public sealed record HaConfig(SourcePosition Position, Sourced<string>? StateDir, Sourced<string>? FlushDelay, Sourced<string>? HoldAfterStart);

/// <summary><c>passive:</c> as written: <c>on</c>/<c>off</c> alone (in <see cref="Enabled"/>), or a mapping.</summary>
public sealed record PassiveConfig(SourcePosition Position, Sourced<string>? Enabled, Sourced<string>? Destinations,
    Sourced<string>? DeadlineFloor, Sourced<string>? DeadlineFactor);

/// <summary><c>metrics:</c>: where the Prometheus listener binds.</summary>
public sealed record MetricsConfig(SourcePosition Position, Sourced<string>? Listen);

/// <summary>One entry of <c>uplinks:</c>.</summary>
public sealed record UplinkConfig(
    SourcePosition Position,
    Sourced<string>? Name,
    Sourced<string>? Interface,
    Sourced<string>? Gateway,
    Sourced<string>? Gateway6,
    Sourced<string>? Family,
    Sourced<string>? Weight,
    Sourced<string>? Id,
    SnatConfig? Snat,
    ProbeConfig? Probe = null)
{
    /// <summary><c>tier:</c> 1 is the best; worse tiers are held in reserve.</summary>
    public Sourced<string>? Tier { get; init; }
}

/// <summary>
/// <c>snat:</c> of an uplink: either a mode word (<c>masquerade</c>, <c>none</c>)
/// or a pool of addresses with a spread.
/// </summary>
public sealed record SnatConfig(
    SourcePosition Position,
    Sourced<string>? Mode,
    IReadOnlyList<Sourced<string>> Addresses,
    Sourced<string>? Spread);

/// <summary><c>probe:</c> of an uplink.</summary>
public sealed record ProbeConfig(
    SourcePosition Position,
    Sourced<string>? Kind,
    IReadOnlyList<Sourced<string>> Targets,
    SourcePosition TargetsPosition,
    Sourced<string>? Interval,
    Sourced<string>? Timeout,
    Sourced<string>? DownAfter,
    Sourced<string>? UpAfter,
    Sourced<string>? Require);

/// <summary>One entry of <c>pin:</c>.</summary>
public sealed record PinConfig(
    SourcePosition Position,
    Sourced<string>? To,
    Sourced<string>? From,
    Sourced<string>? Protocol,
    Sourced<string>? Port,
    Sourced<string>? Via);
