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
public sealed class RtnetlinkListener : IDisposable
{
    private readonly FileDescriptor _fd;
    private readonly Channel<LinkEvent> _events = Channel.CreateUnbounded<LinkEvent>(new() { SingleReader = true, SingleWriter = true });
    private readonly Thread _reader;
    private readonly StopEvent _stop = new();
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
        var fd = new FileDescriptor(Libc.Socket(Libc.AfNetlink, Libc.SockRaw | Libc.SockCloexec, NetlinkAbi.RouteProtocol));
        if (fd.IsInvalid) throw SyscallException.Last("socket(AF_NETLINK, NETLINK_ROUTE)");
        try
        {
            // A burst of events (many tunnels flapping) must not overflow the default buffer.
            var size = 1 << 20;
            if (Libc.SetSockOpt(fd, Libc.SolSocket, Libc.SoRcvbuf, &size, sizeof(int)) != 0)
                throw SyscallException.Last("setsockopt(SO_RCVBUF)");
            var address = new Libc.SockaddrNl { Family = Libc.AfNetlink, Groups = Rtnetlink.GroupBitsLink | Rtnetlink.GroupBitsIpv4Ifaddr | Rtnetlink.GroupBitsIpv6Ifaddr };
            if (Libc.Bind(fd, &address, sizeof(Libc.SockaddrNl)) != 0)
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
            var poll = stackalloc Libc.PollFd[2];
            while (!_stopping)
            {
                // Blocks until an event or Dispose: no timeout, no wake-ups while nothing happens.
                poll[0] = new Libc.PollFd { Fd = fd, Events = Libc.PollIn };
                poll[1] = new Libc.PollFd { Fd = (int)_stop.Fd.DangerousGetHandle(), Events = Libc.PollIn };
                var ready = Libc.Poll(poll, 2, -1);
                if (ready < 0 && Marshal.GetLastPInvokeError() != Libc.Eintr) throw SyscallException.Last("poll(netlink)");
                if (ready <= 0 || poll[0].Revents == 0) continue;
                nint n;
                fixed (byte* p = buffer) n = Libc.Recv(_fd, p, buffer.Length, 0);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Libc.Enobufs) _events.Writer.TryWrite(new EventsLost());
                    else if (errno != Libc.Eintr) throw new SyscallException("recv(netlink)", errno);
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
        _stop.Set();
        if (Thread.CurrentThread != _reader) _reader.Join();
        _fd.Dispose();
        _stop.Dispose();
    }
}
