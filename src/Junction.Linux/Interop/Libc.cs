using System.Runtime.InteropServices;

namespace Junction.Linux.Interop;

/// <summary>The C library's socket calls, declared once for every netlink socket Junction opens.</summary>
internal static unsafe partial class Libc
{
    public const int AfNetlink = 16, SockRaw = 3, SockCloexec = 0x80000;
    public const int SolSocket = 1, SoRcvbuf = 8, SoSndbuf = 7, SoRcvbufForce = 33, SoRcvtimeo = 20;
    public const int Eintr = 4, Eagain = 11, Enoent = 2, Enobufs = 105, Eopnotsupp = 95, Einval = 22;
    public const short PollIn = 0x1;

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

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    public static partial int GetSockName(FileDescriptor fd, SockaddrNl* address, int* length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(FileDescriptor fd, int level, int name, int* value, int length);

    [StructLayout(LayoutKind.Sequential)]
    public struct Timeval
    {
        public long Seconds;
        public long Microseconds;
    }

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(FileDescriptor fd, int level, int name, Timeval* value, int length);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(FileDescriptor fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(FileDescriptor fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeout);
}
