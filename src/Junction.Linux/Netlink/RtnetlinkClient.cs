using System.Buffers.Binary;
using Junction.Linux.Interop;
using Junction.Status;

namespace Junction.Linux.Netlink;

/// <summary>
/// Requests to rtnetlink from this process: dumps (links, addresses, rules, routes) read
/// in place, and batches of changes sent in one send with every answer checked. One socket,
/// opened in the namespace given (null: the process's own); calls are serialised.
/// </summary>
internal sealed class RtnetlinkClient : IDisposable
{
    private const int Attempts = 3;

    private readonly NetlinkSocket _socket;
    private readonly NetlinkMessageWriter _writer = new();
    private readonly Lock _lock = new();

    private RtnetlinkClient(NetlinkSocket socket, bool filterDumps)
    {
        _socket = socket;
        FiltersDumps = filterDumps && socket.TryStrictCheck();
    }

    public static RtnetlinkClient Open(string? netns) => Open(netns, filterDumps: true);

    /// <summary>Without <paramref name="filterDumps"/>, as on a kernel older than 4.20: the tests' way to the fallback.</summary>
    internal static RtnetlinkClient Open(string? netns, bool filterDumps) =>
        new(NetlinkSocket.Open(NetlinkAbi.RouteProtocol, "NETLINK_ROUTE", netns), filterDumps);

    /// <summary>
    /// Whether the kernel honours a dump's filters on this socket (strict checking is on):
    /// <see cref="DumpTable"/> then reads one routing table without walking the others.
    /// </summary>
    public bool FiltersDumps { get; }

    /// <summary>
    /// Dumps every object of a kind (RTM_GETLINK, RTM_GETADDR, RTM_GETRULE, RTM_GETROUTE, RTM_GETNETCONF) of one
    /// family. A dump the kernel marks as interrupted by a change is read again (<paramref name="restart"/>
    /// is called before each attempt), so the caller sees one consistent listing.
    /// </summary>
    /// <remarks>Links come without their counters (RTEXT_FILTER_SKIP_STATS): a message about half as long, which a router with thousands of interfaces feels in every dump; <see cref="InterfaceBytes"/> asks for them.</remarks>
    public void Dump(ushort type, byte family, string what, Action restart, NetlinkMessageHandler handler) =>
        Dump(type, family, null, what, restart, handler);

    /// <summary>
    /// Dumps the routes of one family in routing table <paramref name="table"/> only (RTA_TABLE
    /// in the request). A table the kernel does not have is empty. Without
    /// <see cref="FiltersDumps"/> the kernel ignores the filter and lists every table: the
    /// handler must still check each route's table (<see cref="RtnetlinkParser.RouteTable"/>).
    /// </summary>
    public void DumpTable(byte family, uint table, string what, Action restart, NetlinkMessageHandler handler)
    {
        try
        {
            Dump(Rtnetlink.GetRoute, family, table, what, restart, handler);
        }
        catch (NetlinkException e) when (e.Errno == Libc.Enoent)
        {
            // "FIB table does not exist": nothing was ever routed through it.
            restart();
        }
    }

    private void Dump(ushort type, byte family, uint? table, string what, Action restart, NetlinkMessageHandler handler, bool counters = false)
    {
        var header = type switch
        {
            Rtnetlink.GetLink => Rtnetlink.IfInfoMsgLength,
            Rtnetlink.GetAddr => Rtnetlink.IfAddrMsgLength,
            Rtnetlink.GetRoute => Rtnetlink.RtMsgLength,
            Rtnetlink.GetNetconf => Rtnetlink.NetconfMsgLength,
            _ => Rtnetlink.FibRuleHdrLength,
        };
        lock (_lock)
        {
            for (var attempt = 1; ; attempt++)
            {
                restart();
                var sequence = _socket.Next();
                _writer.Clear();
                _writer.Begin(type, NetlinkAbi.Request | NetlinkAbi.Dump, sequence);
                _writer.Fixed(header)[0] = family;
                if (table is { } t) _writer.U32(Rtnetlink.RtaTable, t);
                if (type == Rtnetlink.GetLink && !counters) _writer.U32(Rtnetlink.IflaExtMask, Rtnetlink.RtextFilterSkipStats);
                _writer.End();
                var visitor = new HandlerVisitor(handler);
                if (_socket.Dump(_writer, sequence, what, ref visitor) || attempt == Attempts) return;
            }
        }
    }

    /// <summary>
    /// Sends the requests <paramref name="write"/> writes (each numbered from the sequence it is
    /// given, and asking an ACK) in one send; one answer per request, in order.
    /// </summary>
    public NetlinkAck[] Transact(int count, string what, Action<NetlinkMessageWriter, uint> write)
    {
        lock (_lock)
        {
            var first = _socket.Next(count);
            _writer.Clear();
            write(_writer, first);
            if (_writer.Messages != count) throw new InvalidOperationException($"{what}: wrote {_writer.Messages} requests, not {count}");
            return _socket.Transact(_writer, first, what);
        }
    }

    /// <summary>
    /// The index of each interface named, asked one by one (RTM_GETLINK by IFLA_IFNAME,
    /// without counters), for writing routes that name them: a router with thousands of
    /// interfaces (a PPPoE concentrator's sessions) is not dumped whole for the one or two
    /// a failover touches. A name the kernel does not know is left out.
    /// </summary>
    public Dictionary<int, string> LinksNamed(IEnumerable<string> names)
    {
        var found = new Dictionary<int, string>();
        lock (_lock)
        {
            foreach (var name in names.Distinct(StringComparer.Ordinal))
            {
                // No interface can have it (the kernel would refuse the request: ERANGE).
                if (System.Text.Encoding.UTF8.GetByteCount(name) is 0 or > Junction.Configuration.InterfaceName.MaxBytes) continue;
                var sequence = _socket.Next();
                _writer.Clear();
                _writer.Begin(Rtnetlink.GetLink, NetlinkAbi.Request | NetlinkAbi.Ack, sequence);
                _writer.Fixed(Rtnetlink.IfInfoMsgLength);
                _writer.String(Rtnetlink.IflaIfname, name);
                _writer.U32(Rtnetlink.IflaExtMask, Rtnetlink.RtextFilterSkipStats);
                _writer.End();
                var visitor = new HandlerVisitor((type, body) =>
                {
                    if (RtnetlinkParser.Parse(type, body) is LinkStateChanged { Name: { } n } link && n == name) found[link.Index] = n;
                });
                try
                {
                    // The answer is the link's message, then the ACK asked for: read like a one-message dump.
                    _socket.Dump(_writer, sequence, $"find interface {name}", ref visitor);
                }
                catch (NetlinkException e) when (e.Errno == Libc.Enodev)
                {
                }
            }
        }
        return found;
    }

    /// <summary>Every interface with its state, then every address (both families), as link events.</summary>
    public List<LinkEvent> LinksAndAddresses()
    {
        var links = new List<LinkEvent>();
        var addresses = new List<LinkEvent>();
        Dump(Rtnetlink.GetLink, Libc.AfUnspec, "dump links", links.Clear, (type, body) =>
        {
            if (RtnetlinkParser.Parse(type, body) is { } e) links.Add(e);
        });
        Dump(Rtnetlink.GetAddr, Libc.AfUnspec, "dump addresses", addresses.Clear, (type, body) =>
        {
            if (RtnetlinkParser.Parse(type, body) is { } e) addresses.Add(e);
        });
        return [.. links, .. addresses];
    }

    /// <summary>Every interface's name by index.</summary>
    public Dictionary<int, string> LinkNames()
    {
        var names = new Dictionary<int, string>();
        Dump(Rtnetlink.GetLink, Libc.AfUnspec, "dump links", names.Clear, (type, body) =>
        {
            if (RtnetlinkParser.Parse(type, body) is LinkStateChanged { Name: { } name } link) names[link.Index] = name;
        });
        return names;
    }

    /// <summary>Received and sent bytes of every interface (IFLA_STATS64).</summary>
    public Dictionary<string, InterfaceBytes> InterfaceBytes()
    {
        var result = new Dictionary<string, InterfaceBytes>(StringComparer.Ordinal);
        Dump(Rtnetlink.GetLink, Libc.AfUnspec, null, "dump link statistics", result.Clear, (type, body) =>
        {
            if (type != Rtnetlink.NewLink || body.Length < Rtnetlink.IfInfoMsgLength) return;
            string? name = null;
            InterfaceBytes? bytes = null;
            foreach (var a in new NetlinkAttributes(body[Rtnetlink.IfInfoMsgLength..]))
            {
                if (a.Type == Rtnetlink.IflaIfname) name = NetlinkAttributes.CString(a.Value);
                else if (a.Type == Rtnetlink.IflaStats64 && a.Value.Length >= Rtnetlink.Stats64TxBytes + 8)
                    bytes = new InterfaceBytes((long)BinaryPrimitives.ReadUInt64LittleEndian(a.Value[Rtnetlink.Stats64RxBytes..]),
                        (long)BinaryPrimitives.ReadUInt64LittleEndian(a.Value[Rtnetlink.Stats64TxBytes..]));
            }
            if (name is not null && bytes is not null) result[name] = bytes;
        }, counters: true);
        return result;
    }

    public void Dispose() => _socket.Dispose();
}
