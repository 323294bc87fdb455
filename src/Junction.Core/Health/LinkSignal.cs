namespace Junction.Health;

/// <summary>
/// What the kernel said about an uplink's interface, already reduced to what health
/// needs. The daemon turns rtnetlink events into these: e.g. <see cref="AddressLost"/>
/// only when the interface has no address left of a family the uplink carries (IPv6
/// temporary addresses come and go all the time and must not take an uplink down).
/// </summary>
public enum LinkSignal
{
    CarrierDown,
    CarrierUp,
    AddressLost,
    AddressRestored,
}
