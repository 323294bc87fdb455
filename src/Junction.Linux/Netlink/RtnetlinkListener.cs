using System.Runtime.InteropServices;
using System.Threading.Channels;
using Junction.Linux.Interop;

namespace Junction.Linux.Netlink;

/// <summary>
/// Listens to the kernel's link and address events (RTMGRP_LINK, RTMGRP_IPV4_IFADDR,
/// RTMGRP_IPV6_IFADDR) on an AF_NETLINK socket: carrier loss arrives within milliseconds,
/// long before a probe could notice. The socket belongs to the network namespace of the
/// thread that calls <see cref="Open"/>. A dedicated thread reads it and hands typed
/// events to <see cref="Events"/>.
/// </summary>
public sealed partial class RtnetlinkListener : IDisposable
{
    private const int AfNetlink = 16, SockRaw = 3, SockCloexec = 0x80000, NetlinkRoute = 0;
    private const uint RtmgrpLink = 0x1, RtmgrpIpv4Ifaddr = 0x10, RtmgrpIpv6Ifaddr = 0x100;
    private const int SolSocket = 1, SoRcvbuf = 8;
    private const short PollIn = 0x1;
    private const int Eintr = 4, Enobufs = 105;
    // How often the reader looks at the stop flag while no event comes.
    private const int PollMilliseconds = 100;

    private readonly FileDescriptor _fd;
    private readonly Channel<LinkEvent> _events = Channel.CreateUnbounded<LinkEvent>(new() { SingleReader = true, SingleWriter = true });
    private readonly Thread _reader;
    private volatile bool _stopping;

    private RtnetlinkListener(FileDescriptor fd)
    {
        _fd = fd;
        _reader = new Thread(Read) { IsBackground = true, Name = "rtnetlink" };
        _reader.Start();
    }

    /// <summary>Typed events in the order the kernel sent them; completes when disposed or on a read error.</summary>
    public ChannelReader<LinkEvent> Events => _events.Reader;

    public static unsafe RtnetlinkListener Open()
    {
        var fd = new FileDescriptor(Socket(AfNetlink, SockRaw | SockCloexec, NetlinkRoute));
        if (fd.IsInvalid) throw SyscallException.Last("socket(AF_NETLINK, NETLINK_ROUTE)");
        try
        {
            // A burst of events (many tunnels flapping) must not overflow the default buffer.
            var size = 1 << 20;
            if (SetSockOpt(fd, SolSocket, SoRcvbuf, &size, sizeof(int)) != 0)
                throw SyscallException.Last("setsockopt(SO_RCVBUF)");
            var address = new SockaddrNl { Family = AfNetlink, Groups = RtmgrpLink | RtmgrpIpv4Ifaddr | RtmgrpIpv6Ifaddr };
            if (Bind(fd, &address, sizeof(SockaddrNl)) != 0)
                throw SyscallException.Last("bind(AF_NETLINK, RTMGRP_LINK|RTMGRP_IPV4_IFADDR|RTMGRP_IPV6_IFADDR)");
            return new RtnetlinkListener(fd);
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
        Exception? error = null;
        var added = false;
        try
        {
            _fd.DangerousAddRef(ref added);
            var fd = (int)_fd.DangerousGetHandle();
            while (!_stopping)
            {
                var poll = new PollFd { Fd = fd, Events = PollIn };
                var ready = Poll(&poll, 1, PollMilliseconds);
                if (ready < 0 && Marshal.GetLastPInvokeError() != Eintr) throw SyscallException.Last("poll(netlink)");
                if (ready <= 0) continue;
                nint n;
                fixed (byte* p = buffer) n = Recv(fd, p, buffer.Length, 0);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Enobufs) _events.Writer.TryWrite(new EventsLost());
                    else if (errno != Eintr) throw new SyscallException("recv(netlink)", errno);
                    continue;
                }
                foreach (var e in RtnetlinkParser.Parse(buffer.AsSpan(0, (int)n)))
                    _events.Writer.TryWrite(e);
            }
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            if (added) _fd.DangerousRelease();
            _events.Writer.TryComplete(error);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        if (Thread.CurrentThread != _reader) _reader.Join();
        _fd.Dispose();
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static unsafe partial int Bind(FileDescriptor fd, SockaddrNl* address, int length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static unsafe partial int SetSockOpt(FileDescriptor fd, int level, int name, int* value, int length);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint Recv(int fd, byte* buffer, nint length, int flags);
}
