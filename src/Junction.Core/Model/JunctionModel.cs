using System.Net;

namespace Junction.Model;

/// <summary>The validated, immutable configuration the planner works from.</summary>
public sealed record JunctionModel(
    IReadOnlyList<string> Lan,
    bool Local,
    BalanceMode Balance,
    MarkLayout Marks,
    IReadOnlyList<IPNetwork> Bypass,
    IReadOnlyList<UplinkModel> Uplinks,
    IReadOnlyList<PinModel> Pins)
{
    /// <summary>Where the Prometheus metrics listener binds; null (the default) for none.</summary>
    public IPEndPoint? MetricsListen { get; init; }

    /// <summary>What the daemon does with a failed uplink's established connections.</summary>
    public FlushPolicy Flush { get; init; } = FlushPolicy.Dead;

    /// <summary>What happens to connections on worse tiers when a better tier is healthy again.</summary>
    public FailbackMode Failback { get; init; } = FailbackMode.NewOnly;

    /// <summary>With <see cref="FailbackMode.Move"/>: how long the better tier must stay healthy before worse tiers are flushed.</summary>
    public TimeSpan FailbackHold { get; init; } = DefaultFailbackHold;

    /// <summary>Passive health (<c>passive:</c>): on with the defaults unless the file says otherwise.</summary>
    public Junction.Health.PassiveModel Passive { get; init; } = Junction.Health.PassiveModel.Default;

    /// <summary>
    /// Long enough that a line which comes back and fails again within half a minute (a
    /// flapping fibre, a modem re-syncing) does not cost the reserve link's connections.
    /// </summary>
    public static readonly TimeSpan DefaultFailbackHold = TimeSpan.FromSeconds(30);

    /// <summary>Whether the uplinks are in more than one tier (only then are tiers shown).</summary>
    public bool Tiered => Uplinks.Select(u => u.Tier).Distinct().Skip(1).Any();

    /// <summary>Set when this router is one of a high-availability pair (<c>ha:</c>); null for a single router.</summary>
    public HaModel? Ha { get; init; }

    public UplinkModel Uplink(string name) => Uplinks.First(u => u.Name == name);

    public Families Families => Uplinks.Aggregate(Families.None, (f, u) => f | u.Families);
}
