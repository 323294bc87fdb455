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

    /// <summary>Set when this router is one of a high-availability pair (<c>ha:</c>); null for a single router.</summary>
    public HaModel? Ha { get; init; }

    public UplinkModel Uplink(string name) => Uplinks.First(u => u.Name == name);

    public Families Families => Uplinks.Aggregate(Families.None, (f, u) => f | u.Families);
}
