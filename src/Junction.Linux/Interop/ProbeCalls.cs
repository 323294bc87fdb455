using System.Runtime.InteropServices;

namespace Junction.Linux.Interop;

/// <summary>
/// The system calls and constants of the probe engine (<see cref="Probes.ProbeEngine"/>):
/// one epoll set, one timerfd and a <see cref="StopEvent"/>, raw ICMP sockets and non-blocking TCP
/// connects carrying SO_BINDTODEVICE and SO_MARK. Values are Linux's (asm-generic; the same
/// on x86-64 and arm64), except the layout of <c>struct epoll_event</c>, see <see cref="EpollEventSize"/>.
/// </summary>
internal static unsafe partial class ProbeCalls
{
    // AF_*, IPPROTO_*, SOCK_RAW, SOCK_CLOEXEC, SOL_SOCKET, EINTR and EAGAIN are Libc's.
    public const int SockStream = 1, SockNonblock = 0x800;

    /// <summary>sizeof(struct sockaddr_in) and of struct sockaddr_in6, and where their address (and sin6_scope_id) lie.</summary>
    public const int SockaddrInLength = 16, SockaddrIn6Length = 28;
    public const int SinAddrOffset = 4, Sin6AddrOffset = 8, Sin6ScopeIdOffset = 24;

    /// <summary>ICMP_ECHOREPLY, ICMP_ECHO (linux/icmp.h); ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY (linux/icmpv6.h).</summary>
    public const byte IcmpEchoReply = 0, IcmpEcho = 8, Icmpv6EchoRequest = 128, Icmpv6EchoReply = 129;
    /// <summary>sizeof(struct icmphdr) and of struct icmp6hdr as far as an echo goes: type, code, checksum, identifier, sequence.</summary>
    public const int IcmpEchoHeaderLength = 8;

    public const int SoError = 4, SoLinger = 13, SoBindToDevice = 25, SoMark = 36;
    /// <summary>SOL_RAW / ICMP_FILTER: a bit mask of the ICMP types an IPv4 raw socket drops.</summary>
    public const int SolRaw = 255, IcmpFilter = 1;
    /// <summary>IPPROTO_ICMPV6 / ICMP6_FILTER: a 256-bit mask of the ICMPv6 types an ICMPv6 raw socket blocks.</summary>
    public const int Icmp6Filter = 1;

    public const int Einprogress = 115, Econnrefused = 111;

    public const int EpollCloexec = 0x80000, EpollCtlAdd = 1;
    public const uint EpollIn = 0x1, EpollOut = 0x4;

    public const int ClockMonotonic = 1, TfdCloexec = 0x80000, TfdNonblock = 0x800;

    /// <summary>
    /// <c>struct epoll_event</c> is packed on x86-64 (12 bytes, data at offset 4) and naturally
    /// aligned elsewhere (16 bytes, data at offset 8); events are read and written through these.
    /// </summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Itimerspec
    {
        public Timespec Interval;
        public Timespec Value;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Linger
    {
        public int OnOff;
        public int Seconds;
    }

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(FileDescriptor fd, int level, int name, void* value, int* length);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(FileDescriptor fd, byte* buffer, nint length, int flags, byte* address, int addressLength);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    public static partial nint RecvFrom(FileDescriptor fd, byte* buffer, nint length, int flags, byte* address, int* addressLength);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(FileDescriptor fd, byte* address, int addressLength);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(FileDescriptor epoll, int op, FileDescriptor fd, byte* @event);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(FileDescriptor epoll, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "timerfd_create", SetLastError = true)]
    public static partial int TimerfdCreate(int clock, int flags);

    [LibraryImport("libc", EntryPoint = "timerfd_settime", SetLastError = true)]
    public static partial int TimerfdSetTime(FileDescriptor fd, int flags, Itimerspec* value, Itimerspec* old);

    /// <summary>Wraps a descriptor a call just returned, or throws naming the call.</summary>
    public static FileDescriptor Own(int fd, string call) => fd >= 0 ? new FileDescriptor(fd) : throw SyscallException.Last(call);
}
