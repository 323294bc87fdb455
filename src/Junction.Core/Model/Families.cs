namespace Junction.Model;

/// <summary>Which IP families an uplink carries.</summary>
[Flags]
public enum Families
{
    None = 0,
    IPv4 = 1,
    IPv6 = 2,
    Dual = IPv4 | IPv6,
}
