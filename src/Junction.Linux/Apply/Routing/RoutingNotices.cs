using System.Runtime.InteropServices;
using Junction.Linux.Interop;
using Junction.Linux.Namespaces;
using Junction.Linux.Netlink;
using Junction.Planning;

namespace Junction.Linux.Apply.Routing;

/// <summary>
/// Rule and route notifications (RTNLGRP_IPV4_RULE, IPV6_RULE, IPV4_ROUTE, IPV6_ROUTE) of the
/// applier's namespace, held against the rules and routes it last applied: a notice that a
/// planned rule or route went, or that something else appeared in Junction's ranges,
/// contradicts them; so does a lost notice. Junction's own writes agree with what it
/// applied, so they contradict nothing. Read without blocking, only when asked.
/// </summary>
internal sealed class RoutingNotices : IDisposable
{
    private readonly FileDescriptor _fd;
    private readonly byte[] _buffer = new byte[64 * 1024];

    private RoutingNotices(FileDescriptor fd) => _fd = fd;

    public static RoutingNotices Open(string? netns) => NamespaceThread.In(netns, () => new RoutingNotices(KernelChangeWatcher.Subscribe(
        NetlinkAbi.RouteProtocol, "NETLINK_ROUTE", [Rtnetlink.GroupIpv4Rule, Rtnetlink.GroupIpv6Rule, Rtnetlink.GroupIpv4Route, Rtnetlink.GroupIpv6Route])));

    /// <summary>
    /// Reads every notice that came since the last call; true when one contradicts
    /// <paramref name="rules"/> and <paramref name="routes"/> inside <paramref name="owner"/>'s
    /// ranges (routes name their interface through <paramref name="links"/>), or notices were lost.
    /// </summary>
    public unsafe bool Contradicted(Ownership owner, IReadOnlySet<RuleSpec> rules, IReadOnlySet<RouteSpec> routes, IReadOnlyDictionary<int, string> links)
    {
        var contradicted = false;
        while (true)
        {
            nint n;
            fixed (byte* p = _buffer) n = Libc.Recv(_fd, p, _buffer.Length, Libc.MsgDontWait);
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.Eintr) continue;
                if (errno == Libc.Enobufs)
                {
                    contradicted = true;
                    continue;
                }
                if (errno == Libc.Eagain) return contradicted;
                throw new SyscallException("recv(rule and route notifications)", errno);
            }
            foreach (var message in new NetlinkMessages(_buffer.AsSpan(0, (int)n)))
                contradicted |= Contradicts(message.Type, message.Payload, owner, rules, routes, links);
        }
    }

    /// <summary>
    /// Reads and drops every notice that came so far, unparsed (the whole path reads the
    /// kernel itself after this; after a flush of 64 uplinks, 129 notices wait here).
    /// </summary>
    public unsafe void Discard()
    {
        while (true)
        {
            nint n;
            fixed (byte* p = _buffer) n = Libc.Recv(_fd, p, _buffer.Length, Libc.MsgDontWait);
            if (n >= 0) continue;
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Libc.Eintr or Libc.Enobufs) continue;
            if (errno == Libc.Eagain) return;
            throw new SyscallException("recv(rule and route notifications)", errno);
        }
    }

    private static bool Contradicts(ushort type, ReadOnlySpan<byte> body, Ownership owner, IReadOnlySet<RuleSpec> rules,
        IReadOnlySet<RouteSpec> routes, IReadOnlyDictionary<int, string> links)
    {
        switch (type)
        {
            case Rtnetlink.NewRule or Rtnetlink.DelRule:
                if (IpRule.From(body) is not { } rule || !owner.OwnsPriority(rule.Priority)) return false;
                var planned = rule.Spec is { } rs && rules.Contains(rs);
                return type == Rtnetlink.NewRule ? !planned : planned;
            case Rtnetlink.NewRoute or Rtnetlink.DelRoute:
                // Most route notices of a busy router are of other tables (BGP in main): passed over unparsed.
                if (!owner.OwnsTable(RtnetlinkParser.RouteTable(body))) return false;
                if (IpRoute.From(body, links) is not { } route || !owner.OwnsTable(route.Table)) return false;
                var ours = route.Spec is { } s && routes.Contains(s);
                return type == Rtnetlink.NewRoute ? !ours : ours;
            default:
                return false;
        }
    }

    public void Dispose() => _fd.Dispose();
}
