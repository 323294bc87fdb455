using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Junction.Linux.Interop;
using static Junction.Linux.Interop.ProbeCalls;

namespace Junction.Linux.Probes;

/// <summary>Makes probe sockets carrying their uplink's device binding and mark.</summary>
internal static class ProbeSockets
{
    /// <summary>
    /// A socket in the calling thread's network namespace, bound to the uplink. Setting
    /// SO_BINDTODEVICE and SO_MARK needs CAP_NET_RAW / CAP_NET_ADMIN: the daemon runs as root.
    /// </summary>
    public static Socket Create(AddressFamily family, SocketType type, ProtocolType protocol, ProbeBinding binding)
    {
        var socket = new Socket(family, type, protocol);
        try
        {
            Bind(socket.SafeHandle, binding);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The same as a non-blocking descriptor of the probe engine's own.</summary>
    public static FileDescriptor Open(int family, int type, int protocol, ProbeBinding binding)
    {
        var socket = Own(Libc.Socket(family, type | SockNonblock | Libc.SockCloexec, protocol), "socket");
        try
        {
            Bind(socket, binding);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A raw ICMP socket sees every ICMP message arriving on its device; only echo replies
    /// are let through, so other traffic does not wake the engine.
    /// </summary>
    public static unsafe void OnlyEchoReplies(FileDescriptor socket, bool v6)
    {
        if (!v6)
        {
            var blocked = ~(1u << IcmpEchoReply);  // a set bit drops its type
            if (Libc.SetSockOpt(socket, SolRaw, IcmpFilter, &blocked, sizeof(uint)) != 0) throw SyscallException.Last("setsockopt(ICMP_FILTER)");
            return;
        }
        var filter = stackalloc uint[8];
        for (var i = 0; i < 8; i++) filter[i] = uint.MaxValue;
        filter[Icmpv6EchoReply >> 5] &= ~(1u << (Icmpv6EchoReply & 31));  // a set bit blocks its type
        if (Libc.SetSockOpt(socket, Libc.IpprotoIcmpv6, Icmp6Filter, filter, 8 * sizeof(uint)) != 0) throw SyscallException.Last("setsockopt(ICMP6_FILTER)");
    }

    /// <summary>Closed with a reset (linger 0): five probes a second leave no TIME_WAIT behind.</summary>
    public static unsafe void ResetOnClose(FileDescriptor socket)
    {
        var linger = new Linger { OnOff = 1, Seconds = 0 };
        if (Libc.SetSockOpt(socket, Libc.SolSocket, SoLinger, &linger, sizeof(Linger)) != 0) throw SyscallException.Last("setsockopt(SO_LINGER)");
    }

    private static unsafe void Bind(SafeHandle socket, ProbeBinding binding)
    {
        var name = Encoding.ASCII.GetBytes(binding.Interface + "\0");
        fixed (byte* p = name)
            if (Libc.SetSockOpt(socket, Libc.SolSocket, SoBindToDevice, p, name.Length) != 0)
                throw SyscallException.Last($"setsockopt(SO_BINDTODEVICE, {binding.Interface})");
        var mark = binding.Mark;
        if (Libc.SetSockOpt(socket, Libc.SolSocket, SoMark, &mark, sizeof(uint)) != 0)
            throw SyscallException.Last($"setsockopt(SO_MARK, 0x{binding.Mark:x8})");
    }
}
