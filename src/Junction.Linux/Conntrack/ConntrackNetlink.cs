using Junction.Explain;
using Junction.Linux.Interop;
using Junction.Linux.Namespaces;
using Junction.Linux.Netlink;
using Junction.Model;
using Junction.Status;

namespace Junction.Linux.Conntrack;

/// <summary>
/// Conntrack through ctnetlink, in this process: a dump streams every entry through one
/// receive buffer and each message is read in place (nothing per entry is kept); a flush
/// of one uplink is one delete request the kernel filters by mark itself. One socket per
/// instance, opened in the namespace given (null: the process's own) on first use; calls
/// are serialised.
/// </summary>
public sealed class ConntrackNetlink(string? netns = null) : IConntrack, IDisposable
{
    private readonly Lock _lock = new();
    private readonly NetlinkMessageWriter _request = new();
    private NetlinkSocket? _socket;

    /// <summary>
    /// Whether the kernel deletes by mark itself (a DELETE without a tuple but with
    /// CTA_MARK/CTA_MARK_MASK: Linux 4.19 and later). Older kernels
    /// flush every entry of the table for such a request, so there each entry is deleted on
    /// its own. Tests turn it off to exercise that path.
    /// </summary>
    public bool KernelFilteredDelete { get; init; } = KernelVersion.AtLeast(4, 19);

    /// <summary>
    /// Whether the kernel's filtered delete also keeps to one family when asked with nfgenmsg
    /// version 1 ("ctnetlink: Support L3 protocol-filter on flush"; relied on from Linux 5.2; version
    /// 0 means every family, for older programs' sake). Without it a delete of one family first
    /// dumps the other to see whether the kernel's filter can be used: a second walk of the
    /// whole table, which doubled the flush of an IPv4-only uplink.
    /// </summary>
    public bool KernelFamilyFilteredDelete { get; init; } = KernelVersion.AtLeast(5, 2);

    public IReadOnlyList<MarkCount> CountByMark(uint mask)
    {
        var counts = new Dictionary<ConntrackGroupKey, long>();
        var visitor = new GroupCounter(counts, mask);
        lock (_lock) Dump(Libc.AfUnspec, null, ref visitor);
        return [.. counts.Select(kv => new MarkCount(kv.Key.Mark, kv.Key.Address.ToString(), kv.Value))];
    }

    public long Count(uint mark, uint mask, Families families)
    {
        var visitor = new Counter();
        lock (_lock)
            foreach (var family in FamiliesOf(families))
                Dump(family, (mark, mask), ref visitor);
        return visitor.Count;
    }

    public int Delete(uint mark, uint mask, Families families)
    {
        if (mask == 0) throw new ArgumentException("a zero mask would select every connection", nameof(mask));
        lock (_lock)
        {
            if (!KernelFilteredDelete) return FamiliesOf(families).Sum(f => DeleteEach(f, mark, mask));
            // With nfgenmsg version 0 the kernel's filtered delete ignores the family it is sent
            // with; version 1 asks it to keep to it (see KernelFamilyFilteredDelete). Older
            // kernels delete one family alone that way only when the other holds no such entry.
            if (families.HasFlag(Families.IPv4) && families.HasFlag(Families.IPv6)) return DeleteFiltered(Libc.AfUnspec, mark, mask);
            var (family, other) = families.HasFlag(Families.IPv6) ? (Libc.AfInet6, Libc.AfInet) : (Libc.AfInet, Libc.AfInet6);
            if (KernelFamilyFilteredDelete) return DeleteFiltered(family, mark, mask, Nfnetlink.V1);
            var others = new Counter();
            Dump(other, (mark, mask), ref others);
            return others.Count == 0 ? DeleteFiltered(family, mark, mask) : DeleteEach(family, mark, mask);
        }
    }

    public IReadOnlyList<TrackedConnection> Find(ConnectionQuery query)
    {
        var found = new List<TrackedConnection>();
        var visitor = new Finder(query, found);
        var family = query.Destination.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? Libc.AfInet6 : Libc.AfInet;
        lock (_lock) Dump(family, null, ref visitor);
        return found;
    }

    /// <summary>
    /// One request that deletes every match in the kernel. How many went is the namespace's
    /// entry count (nf_conntrack_count) before less after: a dump to count them first would
    /// cost as much as the delete itself on a large table.
    /// </summary>
    private int DeleteFiltered(byte family, uint mark, uint mask, byte version = Nfnetlink.V0)
    {
        var before = EntryCount();
        var socket = Socket();
        var sequence = socket.Next();
        _request.Clear();
        _request.Begin(Ctnetlink.MsgDelete, NetlinkAbi.Request | NetlinkAbi.Ack, sequence);
        GenMsg(family, version);
        _request.U32BigEndian(Ctnetlink.Mark, mark);
        _request.U32BigEndian(Ctnetlink.MarkMask, mask);
        _request.End();
        var ack = socket.Transact(_request, sequence, "delete conntrack entries by mark")[0];
        if (ack.Errno != 0) throw new NetlinkException($"conntrack delete --mark 0x{mark:x}/0x{mask:x}", ack.Errno, ack.Message);
        return (int)Math.Max(0, before - EntryCount());
    }

    /// <summary>The namespace's live entries, as the kernel counts them (read in the namespace).</summary>
    private long EntryCount() => NamespaceThread.In(netns, () =>
        long.Parse(File.ReadAllText("/proc/sys/net/netfilter/nf_conntrack_count").Trim(), System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Older kernels: dump the matching entries (the kernel filters), then delete each by its tuple, in batches.</summary>
    private int DeleteEach(byte family, uint mark, uint mask)
    {
        var deletes = new NetlinkMessageWriter();
        var socket = Socket();
        var collector = new DeleteCollector(deletes, family);
        Dump(family, (mark, mask), ref collector);
        if (deletes.Messages == 0) return 0;
        // The requests were numbered from 0 while the dump ran: sent in batches a socket
        // buffer takes, each renumbered from a fresh sequence.
        var deleted = 0;
        var requests = new NetlinkMessages(deletes.Written);
        var more = requests.MoveNext();
        var batch = new NetlinkMessageWriter();
        while (more)
        {
            batch.Clear();
            var first = socket.Next(DeleteBatch);
            for (var i = 0u; i < DeleteBatch && more; i++, more = requests.MoveNext())
            {
                var request = requests.Current;
                batch.Begin(request.Type, request.Flags, first + i);
                request.Payload.CopyTo(batch.Fixed(request.Payload.Length));
                batch.End();
            }
            var acks = socket.Transact(batch, first, "delete conntrack entries one by one");
            // An entry that ended between the dump and the delete (ENOENT) is gone all the same.
            var failed = acks.FirstOrDefault(a => a.Errno is not 0 and not Libc.Enoent);
            if (failed.Errno != 0) throw new NetlinkException($"conntrack delete of an entry marked 0x{mark:x}/0x{mask:x}", failed.Errno, failed.Message);
            deleted += acks.Count(a => a.Errno == 0);
        }
        return deleted;
    }

    private const int DeleteBatch = 500;

    private void Dump<T>(byte family, (uint Mark, uint Mask)? filter, ref T visitor) where T : struct, INetlinkVisitor
    {
        var socket = Socket();
        var sequence = socket.Next();
        _request.Clear();
        _request.Begin(Ctnetlink.MsgGet, NetlinkAbi.Request | NetlinkAbi.Dump, sequence);
        GenMsg(family);
        if (filter is { } f)
        {
            _request.U32BigEndian(Ctnetlink.Mark, f.Mark);
            _request.U32BigEndian(Ctnetlink.MarkMask, f.Mask);
        }
        _request.End();
        socket.Dump(_request, sequence, "conntrack dump", ref visitor);
    }

    private void GenMsg(byte family, byte version = Nfnetlink.V0)
    {
        var header = _request.Fixed(Nfnetlink.GenMsgLength);
        header[0] = family;
        header[1] = version;
    }

    private NetlinkSocket Socket() =>
        // A dump of many entries arrives faster than it is read: a large buffer keeps the kernel from pausing.
        _socket ??= NetlinkSocket.Open(NetlinkAbi.NetfilterProtocol, "NETLINK_NETFILTER", netns, receiveBuffer: 4 << 20);

    private static IEnumerable<byte> FamiliesOf(Families families)
    {
        if (families.HasFlag(Families.IPv4)) yield return Libc.AfInet;
        if (families.HasFlag(Families.IPv6)) yield return Libc.AfInet6;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _socket?.Dispose();
            _socket = null;
        }
    }

    /// <summary>Counts each entry under its group: the mark and the reply tuple's destination are read, the rest skipped.</summary>
    private readonly struct GroupCounter(Dictionary<ConntrackGroupKey, long> counts, uint mask) : INetlinkVisitor
    {
        public void Visit(ushort type, ReadOnlySpan<byte> payload)
        {
            if (type == Ctnetlink.MsgNew && ConntrackGroupKey.TryRead(payload, mask, out var key, out _))
                System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _)++;
        }
    }

    private struct Counter : INetlinkVisitor
    {
        public long Count;

        public void Visit(ushort type, ReadOnlySpan<byte> payload)
        {
            if (type == Ctnetlink.MsgNew) Count++;
        }
    }

    private readonly struct Finder(ConnectionQuery q, List<TrackedConnection> found) : INetlinkVisitor
    {
        public void Visit(ushort type, ReadOnlySpan<byte> payload)
        {
            if (type != Ctnetlink.MsgNew) return;
            var e = new ConntrackEntry(payload);
            var o = e.Original;
            if (!ConntrackTuple.Is(o.Destination, q.Destination)) return;
            if (q.Source is { } s && !ConntrackTuple.Is(o.Source, s)) return;
            if (q.Protocol is { } p && p != e.ProtocolName) return;
            if (q.SourcePort is { } sp && o.SourcePort != sp) return;
            if (q.DestinationPort is { } dp && o.DestinationPort != dp) return;
            var r = e.Reply;
            found.Add(new TrackedConnection(e.ProtocolName, e.StateName,
                ConntrackTuple.Address(o.Source), Port(o.SourcePort), ConntrackTuple.Address(o.Destination), Port(o.DestinationPort),
                ConntrackTuple.Address(r.Source), ConntrackTuple.Address(r.Destination), Port(r.SourcePort), Port(r.DestinationPort), e.Mark));
        }

        private static int? Port(int port) => port < 0 ? null : port;
    }

    /// <summary>Writes a delete request naming each entry by its original tuple (numbered from 0; renumbered before sending).</summary>
    private struct DeleteCollector(NetlinkMessageWriter deletes, byte family) : INetlinkVisitor
    {
        private uint _next;

        public void Visit(ushort type, ReadOnlySpan<byte> payload)
        {
            if (type != Ctnetlink.MsgNew) return;
            var e = new ConntrackEntry(payload);
            if (e.OriginalAttribute.IsEmpty) return;
            deletes.Begin(Ctnetlink.MsgDelete, NetlinkAbi.Request | NetlinkAbi.Ack, _next++);
            var header = deletes.Fixed(Nfnetlink.GenMsgLength);
            header[0] = e.Family == Libc.AfUnspec ? family : e.Family;
            header[1] = Nfnetlink.V0;
            e.OriginalAttribute.CopyTo(deletes.Attribute(Ctnetlink.TupleOrig | NetlinkAbi.Nested, e.OriginalAttribute.Length));
            deletes.End();
        }
    }
}
