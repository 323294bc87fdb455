namespace Junction.Linux.Interop;

/// <summary>
/// Conntrack over nfnetlink (linux/netfilter/nfnetlink_conntrack.h, nf_conntrack_common.h,
/// nf_conntrack_tcp.h): message types, the CTA_* attributes Junction reads and writes, event
/// groups. Numbers are big-endian on the wire; the framing is <see cref="Nfnetlink"/>'s.
/// </summary>
internal static class Ctnetlink
{
    /// <summary>IPCTNL_MSG_CT_NEW, _GET, _DELETE.</summary>
    public const ushort MsgNew = Nfnetlink.SubsysCtnetlink << 8 | 0, MsgGet = Nfnetlink.SubsysCtnetlink << 8 | 1,
        MsgDelete = Nfnetlink.SubsysCtnetlink << 8 | 2;

    public const ushort TupleOrig = 1, TupleReply = 2, CtaStatus = 3, ProtoInfo = 4, Timeout = 7, Mark = 8, CtaId = 12, MarkMask = 21;
    public const ushort TupleIp = 1, TupleProto = 2;
    public const ushort IpV4Src = 1, IpV4Dst = 2, IpV6Src = 3, IpV6Dst = 4;
    public const ushort ProtoNum = 1, ProtoSrcPort = 2, ProtoDstPort = 3;
    public const ushort ProtoInfoTcp = 1, ProtoInfoTcpState = 1;

    /// <summary>Event groups (NFNLGRP_CONNTRACK_NEW, _UPDATE, _DESTROY) for NETLINK_ADD_MEMBERSHIP.</summary>
    public const int GroupNew = 1, GroupUpdate = 2, GroupDestroy = 3;
    /// <summary>IPS_SEEN_REPLY in CTA_STATUS.</summary>
    public const uint SeenReply = 1 << 1;
    /// <summary>enum tcp_conntrack (CTA_PROTOINFO_TCP_STATE): TCP_CONNTRACK_NONE ... TCP_CONNTRACK_SYN_SENT2.</summary>
    public const byte TcpNone = 0, TcpSynSent = 1, TcpSynRecv = 2, TcpEstablished = 3, TcpFinWait = 4, TcpCloseWait = 5,
        TcpLastAck = 6, TcpTimeWait = 7, TcpClose = 8, TcpSynSent2 = 9;
}
