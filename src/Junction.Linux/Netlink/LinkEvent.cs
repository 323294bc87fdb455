using System.Net;

namespace Junction.Linux.Netlink;

/// <summary>Something rtnetlink reported about interfaces or their addresses.</summary>
public abstract record LinkEvent;

/// <summary>IF_OPER_* from RFC 2863, as the kernel reports it in IFLA_OPERSTATE.</summary>
public enum OperState : byte
{
    Unknown = 0,
    NotPresent = 1,
    Down = 2,
    LowerLayerDown = 3,
    Testing = 4,
    Dormant = 5,
    Up = 6,
}

/// <summary>
/// RTM_NEWLINK or RTM_DELLINK. <see cref="HasCarrier"/> is what health acts on: the
/// device is administratively up and its lower layer (the cable, the peer of a veth, the
/// tunnel) is up. Tunnels report OperState Unknown with IFF_LOWER_UP set, so the flags
/// decide, not the operstate.
/// </summary>
public sealed record LinkStateChanged(int Index, string? Name, bool AdminUp, bool LowerUp, OperState OperState, bool Deleted) : LinkEvent
{
    public bool HasCarrier => !Deleted && AdminUp && LowerUp;
}

/// <summary>RTM_NEWADDR or RTM_DELADDR for one address of an interface.</summary>
public sealed record AddressChanged(int Index, string? Label, IPAddress Address, int PrefixLength, bool Removed) : LinkEvent;

/// <summary>
/// The kernel dropped events because our socket's buffer was full (ENOBUFS): state may
/// have changed unseen, so the daemon must re-read every uplink's link state.
/// </summary>
public sealed record EventsLost : LinkEvent;
