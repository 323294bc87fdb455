using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Junction.Linux.Interop;

/// <summary>
/// The C library's calls and the kernel constants they take (sys/socket.h, asm/socket.h,
/// netinet/in.h, errno.h, sched.h), declared once: the socket calls for every netlink socket
/// Junction opens, and setns(2) for joining a network namespace. The address families and
/// protocol numbers are also the ones netlink messages carry (rtmsg, nfgenmsg, conntrack tuples).
/// </summary>
internal static unsafe partial class Libc
{
    public const int AfNetlink = 16, SockRaw = 3, SockCloexec = 0x80000;
    /// <summary>AF_UNSPEC, AF_INET, AF_INET6: a byte, as the family fields of netlink headers hold them.</summary>
    public const byte AfUnspec = 0, AfInet = 2, AfInet6 = 10;
    /// <summary>IPPROTO_*: the protocol of a socket, and of a conntrack tuple (CTA_PROTO_NUM).</summary>
    public const int IpprotoIcmp = 1, IpprotoTcp = 6, IpprotoUdp = 17, IpprotoDccp = 33, IpprotoGre = 47, IpprotoIcmpv6 = 58,
        IpprotoSctp = 132, IpprotoUdplite = 136;
    public const int SolSocket = 1, SoRcvbuf = 8, SoRcvbufForce = 33, SoRcvtimeo = 20;
    /// <summary>SO_PEERCRED (struct ucred of a Unix socket's peer), SO_NETNS_COOKIE (Linux 5.14: a never-reused id of the socket's network namespace).</summary>
    public const int SoPeercred = 17, SoNetnsCookie = 71;
    /// <summary>setns(2)'s nstype for a network namespace.</summary>
    public const int CloneNewNet = 0x40000000;
    public const int Eintr = 4, Eagain = 11, Enoent = 2, Enodev = 19, Enotdir = 20, Enobufs = 105, Einval = 22;
    public const short PollIn = 0x1;
    /// <summary>MSG_DONTWAIT: a recv that returns EAGAIN instead of blocking.</summary>
    public const int MsgDontWait = 0x40;

    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(FileDescriptor fd, SockaddrNl* address, int length);

    /// <summary>
    /// Takes any socket handle (a <see cref="FileDescriptor"/>, or <see cref="System.Net.Sockets.Socket"/>'s
    /// SafeHandle) and any option value (an int, a <see cref="Timeval"/>, a struct linger, a device name ...).
    /// </summary>
    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(SafeHandle fd, int level, int name, void* value, int length);

    [StructLayout(LayoutKind.Sequential)]
    public struct Timeval
    {
        public long Seconds;
        public long Microseconds;
    }

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(FileDescriptor fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(FileDescriptor fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(SafeFileHandle fd, int nstype);
}
