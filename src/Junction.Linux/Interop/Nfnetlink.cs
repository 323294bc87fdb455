namespace Junction.Linux.Interop;

/// <summary>
/// The framing every netfilter netlink subsystem shares (linux/netfilter/nfnetlink.h): the
/// subsystem in the message type's high byte, and struct nfgenmsg after nlmsghdr. Conntrack
/// (<see cref="Ctnetlink"/>) and nftables (<see cref="Nftnetlink"/>) both speak it.
/// </summary>
internal static class Nfnetlink
{
    /// <summary>NFNL_SUBSYS_CTNETLINK, NFNL_SUBSYS_NFTABLES.</summary>
    public const int SubsysCtnetlink = 1, SubsysNftables = 10;

    /// <summary>nfgenmsg.version: NFNETLINK_V0 everywhere, NFNETLINK_V1 on a filtered conntrack delete that keeps to the family given.</summary>
    public const byte V0 = 0, V1 = 1;

    /// <summary>struct nfgenmsg: family, version, res_id (big-endian).</summary>
    public const int GenMsgLength = 4;

    /// <summary>A subsystem's message as nlmsghdr.nlmsg_type carries it.</summary>
    public static ushort Type(int subsystem, ushort message) => (ushort)(subsystem << 8 | message);

    /// <summary>NFNL_SUBSYS_ID: the subsystem of a message type.</summary>
    public static int Subsystem(ushort type) => type >> 8;

    /// <summary>NFNL_MSG_TYPE: the subsystem's own message of a message type.</summary>
    public static ushort Message(ushort type) => (ushort)(type & 0xff);
}
