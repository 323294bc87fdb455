using System.Net;

namespace Junction.Model;

/// <summary>
/// A validated uplink. <see cref="Id"/> is its number inside the mark mask and picks its
/// routing table and rule priority; it stays the same while the configuration keeps it.
/// <see cref="Probe"/> says how the health monitor checks it (<see cref="ProbeModel.None"/>:
/// link state only). <see cref="Tier"/> 1 is the best: new connections go only to the best
/// tier that has a healthy uplink.
/// </summary>
public sealed record UplinkModel(
    string Name,
    string Interface,
    IPAddress? Gateway4,
    IPAddress? Gateway6,
    Families Families,
    int Weight,
    int Id,
    SnatModel Snat,
    ProbeModel Probe)
{
    public const int DefaultTier = 1;
    public const int MaxTier = 100;

    public int Tier { get; init; } = DefaultTier;
}
