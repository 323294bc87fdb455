using System.Net;
using Junction.Linux.Interop;
using Junction.Linux.Netlink;

namespace Junction.Lab;

/// <summary>A UDP conntrack entry to create: its original tuple, the address replies go to (an SNAT address) and its mark.</summary>
public sealed record ConntrackSeed(IPAddress Source, ushort SourcePort, IPAddress Destination, ushort DestinationPort, IPAddress ReplyDestination, uint Mark);

/// <summary>
/// Fills a namespace's conntrack table for tests and benchmarks (what <c>conntrack -I</c>
/// does, one process per entry): UDP entries created through ctnetlink in batches, so a
/// quarter of a million take seconds, not minutes. Nothing here runs in the daemon.
/// </summary>
public static class ConntrackSeeder
{
    private const int Batch = 400;

    /// <summary>Creates every entry (timeout <paramref name="timeoutSeconds"/>); throws on the first the kernel refuses.</summary>
    public static int Insert(string? netns, IEnumerable<ConntrackSeed> entries, uint timeoutSeconds = 600)
    {
        using var socket = NetlinkSocket.Open(NetlinkAbi.NetfilterProtocol, "NETLINK_NETFILTER", netns, receiveBuffer: 4 << 20);
        var writer = new NetlinkMessageWriter();
        var created = 0;
        foreach (var chunk in entries.Chunk(Batch))
        {
            writer.Clear();
            var first = socket.Next(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
                Write(writer, chunk[i], first + (uint)i, timeoutSeconds);
            var acks = socket.Transact(writer, first, "create conntrack entries");
            for (var i = 0; i < acks.Length; i++)
                if (acks[i].Errno != 0)
                    throw new NetlinkException($"create conntrack entry {chunk[i]}", acks[i].Errno, acks[i].Message);
            created += chunk.Length;
        }
        return created;
    }

    private static void Write(NetlinkMessageWriter w, ConntrackSeed e, uint sequence, uint timeout)
    {
        var v6 = e.Source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        w.Begin(Ctnetlink.MsgNew, NetlinkAbi.Request | NetlinkAbi.Ack | NetlinkAbi.Create | NetlinkAbi.Excl, sequence);
        var header = w.Fixed(Nfnetlink.GenMsgLength);
        header[0] = v6 ? Libc.AfInet6 : Libc.AfInet;
        header[1] = Nfnetlink.V0;
        Tuple(w, Ctnetlink.TupleOrig, v6, e.Source, e.Destination, e.SourcePort, e.DestinationPort);
        Tuple(w, Ctnetlink.TupleReply, v6, e.Destination, e.ReplyDestination, e.DestinationPort, e.SourcePort);
        w.U32BigEndian(Ctnetlink.Timeout, timeout);
        w.U32BigEndian(Ctnetlink.Mark, e.Mark);
        w.End();
    }

    private static void Tuple(NetlinkMessageWriter w, ushort type, bool v6, IPAddress source, IPAddress destination, ushort sourcePort, ushort destinationPort)
    {
        var tuple = w.BeginNested(type);
        var ip = w.BeginNested(Ctnetlink.TupleIp);
        w.Address(v6 ? Ctnetlink.IpV6Src : Ctnetlink.IpV4Src, source);
        w.Address(v6 ? Ctnetlink.IpV6Dst : Ctnetlink.IpV4Dst, destination);
        w.EndNested(ip);
        var proto = w.BeginNested(Ctnetlink.TupleProto);
        w.U8(Ctnetlink.ProtoNum, Libc.IpprotoUdp);
        w.U16BigEndian(Ctnetlink.ProtoSrcPort, sourcePort);
        w.U16BigEndian(Ctnetlink.ProtoDstPort, destinationPort);
        w.EndNested(proto);
        w.EndNested(tuple);
    }
}
