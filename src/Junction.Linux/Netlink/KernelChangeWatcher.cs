using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Junction.Linux.Interop;
using Junction.Linux.Namespaces;

namespace Junction.Linux.Netlink;

/// <summary>What the watcher saw: something changed Junction's table, rules or routes (or events were lost).</summary>
public sealed record KernelChanged(string What);

/// <summary>
/// Notices at once when someone changes what Junction put into the kernel: nftables
/// notifications (NFNLGRP_NFTABLES: a table, chain, rule or set of Junction's table, e.g. after
/// <c>nft flush ruleset</c>) and rule/route notifications (RTNLGRP_IPV4_RULE, IPV6_RULE,
/// IPV4_ROUTE, IPV6_ROUTE) inside the scope Junction owns. It only says that something
/// changed; whoever reads <see cref="Changes"/> compares the kernel with the desired state,
/// so Junction's own writes (which are notified too) cause no work beyond that comparison.
/// A burst of notifications is one <see cref="KernelChanged"/> until it is read.
/// </summary>
public sealed class KernelChangeWatcher : IDisposable
{
    private readonly FileDescriptor _route;
    private readonly FileDescriptor _nftables;
    // The table's name as nftables notices carry it, and what a match says: a busy ruleset's
    // notices (another tool's tables, sets being filled) are told apart without a string each.
    private readonly byte[] _tableName;
    private readonly string _tableChanged;
    private readonly Channel<KernelChanged> _changes = Channel.CreateBounded<KernelChanged>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true, SingleWriter = true });
    private readonly Thread _reader;
    private readonly StopEvent _stop = new();
    private volatile bool _stopping;
    private volatile Scope? _scope;

    /// <summary>The priorities of rules and the routing tables whose changes count; null: none yet.</summary>
    public sealed record Scope(Apply.RangeSet Tables, Apply.RangeSet Priorities);

    private KernelChangeWatcher(FileDescriptor route, FileDescriptor nftables, string table)
    {
        (_route, _nftables) = (route, nftables);
        _tableName = System.Text.Encoding.UTF8.GetBytes(table);
        _tableChanged = $"nftables table {table} changed";
        _reader = new Thread(Read) { IsBackground = true, Name = "kernel-changes" };
        _reader.Start();
    }

    public ChannelReader<KernelChanged> Changes => _changes.Reader;

    /// <summary>Rules and routes count only inside this scope (the ranges Junction owns); set after each apply.</summary>
    public void Watch(Scope scope) => _scope = scope;

    /// <summary>Subscribes in <paramref name="netns"/> (null: the process's own namespace) to changes of nftables table <paramref name="table"/> and of rules and routes.</summary>
    public static KernelChangeWatcher Open(string table, string? netns = null) => NamespaceThread.In(netns, () =>
    {
        var route = Subscribe(NetlinkAbi.RouteProtocol, "NETLINK_ROUTE",
            [Rtnetlink.GroupIpv4Rule, Rtnetlink.GroupIpv6Rule, Rtnetlink.GroupIpv4Route, Rtnetlink.GroupIpv6Route]);
        try
        {
            return new KernelChangeWatcher(route, Subscribe(NetlinkAbi.NetfilterProtocol, "NETLINK_NETFILTER", [Nftnetlink.GroupNftables]), table);
        }
        catch
        {
            route.Dispose();
            throw;
        }
    });

    internal static unsafe FileDescriptor Subscribe(int protocol, string what, int[] groups)
    {
        var fd = new FileDescriptor(Libc.Socket(Libc.AfNetlink, Libc.SockRaw | Libc.SockCloexec, protocol));
        if (fd.IsInvalid) throw SyscallException.Last($"socket(AF_NETLINK, {what})");
        try
        {
            var size = 1 << 20;
            Libc.SetSockOpt(fd, Libc.SolSocket, Libc.SoRcvbuf, &size, sizeof(int));
            var address = new Libc.SockaddrNl { Family = Libc.AfNetlink };
            if (Libc.Bind(fd, &address, sizeof(Libc.SockaddrNl)) != 0) throw SyscallException.Last($"bind(AF_NETLINK, {what})");
            foreach (var group in groups)
            {
                var g = group;
                if (Libc.SetSockOpt(fd, NetlinkAbi.SolNetlink, NetlinkAbi.AddMembership, &g, sizeof(int)) != 0)
                    throw SyscallException.Last($"setsockopt(NETLINK_ADD_MEMBERSHIP {group}, {what})");
            }
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    private unsafe void Read()
    {
        var buffer = new byte[64 * 1024];
        bool routeAdded = false, nftAdded = false;
        Exception? error = null;
        try
        {
            _route.DangerousAddRef(ref routeAdded);
            _nftables.DangerousAddRef(ref nftAdded);
            var fds = stackalloc Libc.PollFd[3];
            while (!_stopping)
            {
                fds[0] = new Libc.PollFd { Fd = (int)_route.DangerousGetHandle(), Events = Libc.PollIn };
                fds[1] = new Libc.PollFd { Fd = (int)_nftables.DangerousGetHandle(), Events = Libc.PollIn };
                // Blocks until a notification or Dispose (see StopEvent).
                fds[2] = new Libc.PollFd { Fd = (int)_stop.Fd.DangerousGetHandle(), Events = Libc.PollIn };
                var ready = Libc.Poll(fds, 3, -1);
                if (ready < 0 && Marshal.GetLastPInvokeError() != Libc.Eintr) throw SyscallException.Last("poll(netlink notifications)");
                if (ready <= 0) continue;
                if (fds[0].Revents != 0) Drain(_route, buffer, nftables: false);
                if (fds[1].Revents != 0) Drain(_nftables, buffer, nftables: true);
            }
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            if (routeAdded) _route.DangerousRelease();
            if (nftAdded) _nftables.DangerousRelease();
            _changes.Writer.TryComplete(error);
        }
    }

    private unsafe void Drain(FileDescriptor fd, byte[] buffer, bool nftables)
    {
        while (true)
        {
            nint n;
            fixed (byte* p = buffer) n = Libc.Recv(fd, p, buffer.Length, Libc.MsgDontWait);
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.Enobufs) Signal("notifications were lost");
                else if (errno is not (Libc.Eagain or Libc.Eintr)) throw new SyscallException("recv(netlink notifications)", errno);
                if (errno != Libc.Eintr) return;
                continue;
            }
            foreach (var message in new NetlinkMessages(buffer.AsSpan(0, (int)n)))
                if ((nftables ? Nftables(message.Type, message.Payload) : Routing(message.Type, message.Payload)) is { } what) Signal(what);
        }
    }

    private string? Nftables(ushort type, ReadOnlySpan<byte> body)
    {
        if (Nfnetlink.Subsystem(type) != Nfnetlink.SubsysNftables || Nfnetlink.Message(type) == Nftnetlink.MsgNewGen || body.Length < Nfnetlink.GenMsgLength)
            return null;
        var name = NetlinkAttributes.Find(body[Nfnetlink.GenMsgLength..], Nftnetlink.TableAttribute);
        var end = name.IndexOf((byte)0);
        return (end < 0 ? name : name[..end]).SequenceEqual(_tableName) ? _tableChanged : null;
    }

    private string? Routing(ushort type, ReadOnlySpan<byte> body)
    {
        if (_scope is not { } scope) return null;
        switch (type)
        {
            case Rtnetlink.NewRule or Rtnetlink.DelRule when body.Length >= Rtnetlink.FibRuleHdrLength:
                var priority = NetlinkAttributes.Find(body[Rtnetlink.FibRuleHdrLength..], Rtnetlink.FraPriority);
                var p = priority.Length >= 4 ? (int)BinaryPrimitives.ReadUInt32LittleEndian(priority) : 0;
                return scope.Priorities.Contains(p) ? $"an ip rule of priority {p} was {(type == Rtnetlink.NewRule ? "added" : "deleted")}" : null;
            case Rtnetlink.NewRoute or Rtnetlink.DelRoute when body.Length >= Rtnetlink.RtMsgLength:
                var table = RtnetlinkParser.RouteTable(body);
                return scope.Tables.Contains(table) ? $"a route in table {table} was {(type == Rtnetlink.NewRoute ? "added" : "deleted")}" : null;
            default:
                return null;
        }
    }

    private void Signal(string what) => _changes.Writer.TryWrite(new KernelChanged(what));

    public void Dispose()
    {
        _stopping = true;
        _stop.Set();
        if (Thread.CurrentThread != _reader) _reader.Join();
        _route.Dispose();
        _nftables.Dispose();
        _stop.Dispose();
    }
}
