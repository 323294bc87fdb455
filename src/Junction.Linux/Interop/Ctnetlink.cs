namespace Junction.Linux.Interop;

/// <summary>
/// Conntrack over nfnetlink (linux/netfilter/nfnetlink.h, nfnetlink_conntrack.h): message
/// types, the CTA_* attributes Junction reads and writes. Numbers are big-endian on the wire.
/// </summary>
internal static class Ctnetlink
{
    public const int SubsysConntrack = 1;
    /// <summary>nfgenmsg.version: 0 everywhere, 1 on a filtered delete that keeps to the family given.</summary>
    public const byte NfnetlinkV0 = 0, NfnetlinkV1 = 1;
    /// <summary>struct nfgenmsg: family, version, res_id (big-endian).</summary>
    public const int GenMsgLength = 4;

    public const ushort MsgNew = SubsysConntrack << 8 | 0, MsgGet = SubsysConntrack << 8 | 1, MsgDelete = SubsysConntrack << 8 | 2;

    public const ushort TupleOrig = 1, TupleReply = 2, ProtoInfo = 4, Timeout = 7, Mark = 8, MarkMask = 21;
    public const ushort TupleIp = 1, TupleProto = 2;
    public const ushort IpV4Src = 1, IpV4Dst = 2, IpV6Src = 3, IpV6Dst = 4;
    public const ushort ProtoNum = 1, ProtoSrcPort = 2, ProtoDstPort = 3;
    public const ushort ProtoInfoTcp = 1, ProtoInfoTcpState = 1;

    public const byte AfUnspec = 0, AfInet = 2, AfInet6 = 10;

    /// <summary>Event groups (NFNLGRP_CONNTRACK_NEW, _UPDATE, _DESTROY) for NETLINK_ADD_MEMBERSHIP.</summary>
    public const int GroupNew = 1, GroupUpdate = 2, GroupDestroy = 3;
    public const ushort CtaStatus = 3, CtaId = 12;
    /// <summary>IPS_SEEN_REPLY in CTA_STATUS.</summary>
    public const uint SeenReply = 1 << 1;
    /// <summary>TCP_CONNTRACK_SYN_SENT and TCP_CONNTRACK_NONE (CTA_PROTOINFO_TCP_STATE).</summary>
    public const byte TcpSynSent = 1, TcpNone = 0;
}
