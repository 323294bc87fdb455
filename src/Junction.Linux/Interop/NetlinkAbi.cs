namespace Junction.Linux.Interop;

/// <summary>The netlink framing every family shares (linux/netlink.h): header, flags, control messages, socket options.</summary>
internal static class NetlinkAbi
{
    public const int RouteProtocol = 0, NetfilterProtocol = 12;

    public const int HeaderLength = 16, AttributeHeaderLength = 4;

    public const ushort Noop = 1, Error = 2, Done = 3, Overrun = 4;

    public const ushort Request = 0x1, Multi = 0x2, Ack = 0x4, Echo = 0x8, DumpInterrupted = 0x10;
    public const ushort Root = 0x100, Match = 0x200, Dump = Root | Match;
    public const ushort Replace = 0x100, Excl = 0x200, Create = 0x400, Append = 0x800;
    /// <summary>Set on an error message whose request was not copied back (NETLINK_CAP_ACK) and that carries TLVs (NETLINK_EXT_ACK).</summary>
    public const ushort AckCapped = 0x100, AckTlvs = 0x200;

    public const int SolNetlink = 270;
    public const int AddMembership = 1, CapAck = 10, ExtAck = 11, GetStrictCheck = 12;

    /// <summary>NLMSGERR_ATTR_MSG: the kernel's words about why a request failed.</summary>
    public const ushort ErrorAttributeMessage = 1;

    /// <summary>The top bits of an attribute's type: NLA_F_NESTED and NLA_F_NET_BYTEORDER.</summary>
    public const ushort AttributeTypeMask = 0x3fff, Nested = 0x8000;

    /// <summary>nftables' netlink subsystem (NFNL_SUBSYS_NFTABLES) and its change notifications group (NFNLGRP_NFTABLES).</summary>
    public const int SubsysNftables = 10, GroupNftables = 7;
    /// <summary>NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE ...: attribute 1 names the table in every nftables message.</summary>
    public const ushort NftablesTableAttribute = 1;
    /// <summary>NFT_MSG_NEWGEN: the end of every committed transaction, not a change of its own.</summary>
    public const ushort NftablesNewGen = 15;

    public static int Align(int length) => (length + 3) & ~3;
}
