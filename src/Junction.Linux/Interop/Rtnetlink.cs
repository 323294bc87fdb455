namespace Junction.Linux.Interop;

/// <summary>
/// rtnetlink (linux/rtnetlink.h, if_link.h, if_addr.h, fib_rules.h): message types, the
/// fixed headers' sizes and the attributes Junction reads and writes. Host byte order.
/// </summary>
internal static class Rtnetlink
{
    public const ushort NewLink = 16, DelLink = 17, GetLink = 18;
    public const ushort NewAddr = 20, DelAddr = 21, GetAddr = 22;
    public const ushort NewRoute = 24, DelRoute = 25, GetRoute = 26;
    public const ushort NewRule = 32, DelRule = 33, GetRule = 34;
    public const ushort NewNetconf = 80, GetNetconf = 82;

    /// <summary>struct netconfmsg (one byte, the family, padded); its attributes (linux/netconf.h), and the indexes that stand for conf/all and conf/default.</summary>
    public const int NetconfMsgLength = 1;
    public const ushort NetconfaIfindex = 1, NetconfaForwarding = 2, NetconfaRpFilter = 3;
    public const int NetconfaIfindexAll = -1, NetconfaIfindexDefault = -2;

    /// <summary>struct ifinfomsg, ifaddrmsg, rtmsg, fib_rule_hdr.</summary>
    public const int IfInfoMsgLength = 16, IfAddrMsgLength = 8, RtMsgLength = 12, FibRuleHdrLength = 12;

    public const ushort IflaIfname = 3, IflaOperstate = 16, IflaStats64 = 23;
    /// <summary>IFLA_EXT_MASK and its RTEXT_FILTER_SKIP_STATS: a link's answer without its counters.</summary>
    public const ushort IflaExtMask = 29;
    public const uint RtextFilterSkipStats = 1 << 3;
    /// <summary>struct rtnl_link_stats64: rx_packets, tx_packets, rx_bytes, tx_bytes (u64 each), ...</summary>
    public const int Stats64RxBytes = 16, Stats64TxBytes = 24;
    public const uint IffUp = 0x1, IffLowerUp = 0x10000;

    public const ushort IfaAddress = 1, IfaLocal = 2, IfaLabel = 3;

    public const ushort RtaDst = 1, RtaOif = 4, RtaGateway = 5, RtaPriority = 6, RtaPrefsrc = 7;
    public const ushort RtaCacheinfo = 12, RtaTable = 15, RtaPref = 20, RtaExpires = 23;
    /// <summary>rtm_type (RTN_*).</summary>
    public const byte RtnUnspec = 0, RtnUnicast = 1, RtnLocal = 2, RtnBroadcast = 3, RtnAnycast = 4, RtnMulticast = 5,
        RtnBlackhole = 6, RtnUnreachable = 7, RtnProhibit = 8, RtnThrow = 9, RtnNat = 10;
    /// <summary>IP6_RT_PRIO_USER (net/ip6_route.h): the metric the kernel gives an IPv6 route added without one (IPv4's is 0).</summary>
    public const uint Ip6RtPrioUser = 1024;
    /// <summary>RTM_F_CLONED in rtm_flags: a cached clone, not a route of any table.</summary>
    public const uint RtmFCloned = 0x200;
    public const byte RtprotBoot = 3;
    public const byte RtScopeUniverse = 0, RtScopeLink = 253;
    public const uint RtnhFOnlink = 4;
    /// <summary>
    /// RT_TABLE_UNSPEC: a table number that does not fit rtm_table / fib_rule_hdr.table goes in
    /// RTA_TABLE / FRA_TABLE only. The kernel's other tables the core names, in <see cref="Junction.Model.MarkLayout"/>.
    /// </summary>
    public const byte RtTableUnspec = (byte)Junction.Model.MarkLayout.UnspecTable;

    public const ushort FraDst = 1, FraSrc = 2, FraIifname = 3, FraGoto = 4, FraPriority = 6, FraFwmark = 10;
    public const ushort FraSuppressIfgroup = 13, FraSuppressPrefixlen = 14, FraTable = 15, FraFwmask = 16, FraOifname = 17;
    public const ushort FraPad = 18, FraProtocol = 21;
    public const byte FrActToTbl = 1, FrActGoto = 2, FrActNop = 3, FrActBlackhole = 6, FrActUnreachable = 7, FrActProhibit = 8;
    public const uint FibRuleInvert = 0x2;
    public const byte RtprotUnspec = 0, RtprotKernel = 2;

    /// <summary>The legacy group bits (RTMGRP_*) a socket binds to in sockaddr_nl.nl_groups.</summary>
    public const uint GroupBitsLink = 0x1, GroupBitsIpv4Ifaddr = 0x10, GroupBitsIpv6Ifaddr = 0x100;

    /// <summary>Multicast groups (RTNLGRP_*) for NETLINK_ADD_MEMBERSHIP.</summary>
    public const int GroupIpv4Route = 7, GroupIpv4Rule = 8, GroupIpv6Route = 11, GroupIpv6Rule = 19;
}
