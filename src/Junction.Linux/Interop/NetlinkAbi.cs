namespace Junction.Linux.Interop;

/// <summary>The netlink framing every family shares (linux/netlink.h): header, flags, control messages, socket options.</summary>
internal static class NetlinkAbi
{
    public const int RouteProtocol = 0, NetfilterProtocol = 12;

    public const int HeaderLength = 16, AttributeHeaderLength = 4;

    /// <summary>Where struct nlmsghdr keeps nlmsg_len (u32), nlmsg_type (u16), nlmsg_flags (u16) and nlmsg_seq (u32), host byte order.</summary>
    public const int LengthOffset = 0, TypeOffset = 4, FlagsOffset = 6, SequenceOffset = 8, PortIdOffset = 12;

    public const ushort Noop = 1, Error = 2, Done = 3, Overrun = 4;

    public const ushort Request = 0x1, Ack = 0x4, DumpInterrupted = 0x10;
    public const ushort Root = 0x100, Match = 0x200, Dump = Root | Match;
    public const ushort Replace = 0x100, Excl = 0x200, Create = 0x400;
    /// <summary>NLM_F_ACK_TLVS: set on an error message that carries TLVs (NETLINK_EXT_ACK).</summary>
    public const ushort AckTlvs = 0x200;

    public const int SolNetlink = 270;
    /// <summary>NETLINK_ADD_MEMBERSHIP, NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK.</summary>
    public const int AddMembership = 1, CapAck = 10, ExtAck = 11, GetStrictCheck = 12;

    /// <summary>NLMSGERR_ATTR_MSG: the kernel's words about why a request failed.</summary>
    public const ushort ErrorAttributeMessage = 1;

    /// <summary>The top bits of an attribute's type: NLA_F_NESTED and NLA_F_NET_BYTEORDER.</summary>
    public const ushort AttributeTypeMask = 0x3fff, Nested = 0x8000;

    public static int Align(int length) => (length + 3) & ~3;
}
