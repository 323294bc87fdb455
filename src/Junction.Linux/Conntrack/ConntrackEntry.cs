using System.Buffers.Binary;
using System.Net;
using Junction.Linux.Interop;
using Junction.Linux.Netlink;

namespace Junction.Linux.Conntrack;

/// <summary>
/// One conntrack entry of a ctnetlink message, read in place: views into the receive
/// buffer, nothing copied, so a dump of every entry allocates nothing per entry.
/// </summary>
internal readonly ref struct ConntrackEntry
{
    public readonly byte Family;
    public readonly uint Mark;
    public readonly byte Protocol;
    public readonly byte TcpState;
    public readonly ConntrackTuple Original;
    public readonly ConntrackTuple Reply;
    /// <summary>The whole CTA_TUPLE_ORIG attribute's value (to name the entry in a delete).</summary>
    public readonly ReadOnlySpan<byte> OriginalAttribute;

    public ConntrackEntry(ReadOnlySpan<byte> payload)
    {
        Family = payload.Length >= Nfnetlink.GenMsgLength ? payload[0] : Libc.AfUnspec;
        TcpState = byte.MaxValue;
        foreach (var a in new NetlinkAttributes(payload.Length >= Nfnetlink.GenMsgLength ? payload[Nfnetlink.GenMsgLength..] : default))
        {
            switch (a.Type)
            {
                case Ctnetlink.TupleOrig:
                    Original = new ConntrackTuple(a.Value);
                    OriginalAttribute = a.Value;
                    break;
                case Ctnetlink.TupleReply:
                    Reply = new ConntrackTuple(a.Value);
                    break;
                case Ctnetlink.Mark when a.Value.Length >= 4:
                    Mark = BinaryPrimitives.ReadUInt32BigEndian(a.Value);
                    break;
                case Ctnetlink.ProtoInfo:
                    var tcp = NetlinkAttributes.Find(a.Value, Ctnetlink.ProtoInfoTcp);
                    var state = NetlinkAttributes.Find(tcp, Ctnetlink.ProtoInfoTcpState);
                    if (state.Length >= 1) TcpState = state[0];
                    break;
            }
        }
        Protocol = Original.Protocol;
    }

    public string ProtocolName => Protocol switch
    {
        Libc.IpprotoIcmp => "icmp",
        Libc.IpprotoTcp => "tcp",
        Libc.IpprotoUdp => "udp",
        Libc.IpprotoDccp => "dccp",
        Libc.IpprotoGre => "gre",
        Libc.IpprotoIcmpv6 => "icmpv6",
        Libc.IpprotoSctp => "sctp",
        Libc.IpprotoUdplite => "udplite",
        _ => "unknown",
    };

    /// <summary>The TCP state as conntrack(8) prints it; null for other protocols.</summary>
    public string? StateName => Protocol != Libc.IpprotoTcp ? null : TcpState switch
    {
        Ctnetlink.TcpNone => "NONE",
        Ctnetlink.TcpSynSent => "SYN_SENT",
        Ctnetlink.TcpSynRecv => "SYN_RECV",
        Ctnetlink.TcpEstablished => "ESTABLISHED",
        Ctnetlink.TcpFinWait => "FIN_WAIT",
        Ctnetlink.TcpCloseWait => "CLOSE_WAIT",
        Ctnetlink.TcpLastAck => "LAST_ACK",
        Ctnetlink.TcpTimeWait => "TIME_WAIT",
        Ctnetlink.TcpClose => "CLOSE",
        Ctnetlink.TcpSynSent2 => "SYN_SENT2",
        _ => null,
    };
}

/// <summary>One direction of a conntrack entry (CTA_TUPLE_ORIG or CTA_TUPLE_REPLY), read in place.</summary>
internal readonly ref struct ConntrackTuple
{
    public readonly ReadOnlySpan<byte> Source;
    public readonly ReadOnlySpan<byte> Destination;
    public readonly byte Protocol;
    /// <summary>-1 for a protocol without ports.</summary>
    public readonly int SourcePort;
    public readonly int DestinationPort;

    public ConntrackTuple(ReadOnlySpan<byte> tuple)
    {
        SourcePort = DestinationPort = -1;
        foreach (var a in new NetlinkAttributes(tuple))
        {
            if (a.Type == Ctnetlink.TupleIp)
            {
                foreach (var ip in new NetlinkAttributes(a.Value))
                {
                    if (ip.Type is Ctnetlink.IpV4Src or Ctnetlink.IpV6Src) Source = ip.Value;
                    else if (ip.Type is Ctnetlink.IpV4Dst or Ctnetlink.IpV6Dst) Destination = ip.Value;
                }
            }
            else if (a.Type == Ctnetlink.TupleProto)
            {
                foreach (var p in new NetlinkAttributes(a.Value))
                {
                    if (p.Type == Ctnetlink.ProtoNum && p.Value.Length >= 1) Protocol = p.Value[0];
                    else if (p.Type == Ctnetlink.ProtoSrcPort && p.Value.Length >= 2) SourcePort = BinaryPrimitives.ReadUInt16BigEndian(p.Value);
                    else if (p.Type == Ctnetlink.ProtoDstPort && p.Value.Length >= 2) DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(p.Value);
                }
            }
        }
    }

    public static IPAddress Address(ReadOnlySpan<byte> bytes) => bytes.Length is 4 or 16 ? new IPAddress(bytes) : IPAddress.None;

    /// <summary>Whether these address bytes are <paramref name="address"/>, without making an IPAddress.</summary>
    public static bool Is(ReadOnlySpan<byte> bytes, IPAddress address)
    {
        Span<byte> mine = stackalloc byte[16];
        return address.TryWriteBytes(mine, out var n) && bytes.SequenceEqual(mine[..n]);
    }
}
