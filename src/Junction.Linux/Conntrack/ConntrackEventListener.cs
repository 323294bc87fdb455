using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using Junction.Linux.Interop;
using static Junction.Linux.Interop.Ctnetlink;
using Junction.Linux.Namespaces;
using Junction.Linux.Netlink;

namespace Junction.Linux.Conntrack;

/// <summary>What a conntrack event says about a new TCP connection that carries a mark.</summary>
public enum ConnectionEventKind
{
    /// <summary>A new connection whose SYN got no reply yet (NEW event, SYN_SENT).</summary>
    Opened,
    /// <summary>
    /// A reply was seen (SYN-ACK: an UPDATE with SEEN_REPLY), or the entry ended (DESTROY: a
    /// RST to a SYN kills the entry at once, still UNREPLIED, with no UPDATE before it).
    /// </summary>
    Answered,
}

/// <summary>One event: the entry's id (CTA_ID), its whole ct mark, and its original destination.</summary>
public readonly record struct ConnectionEvent(ConnectionEventKind Kind, uint Id, uint Mark, IPAddress? Destination);

/// <summary>
/// Conntrack events in-process: a NETLINK_NETFILTER socket in the daemon's namespace joined to
/// the NFNLGRP_CONNTRACK_NEW, _UPDATE and _DESTROY groups, read on its own thread. Only TCP entries whose
/// mark has a bit of <c>mask</c> are passed on, as <see cref="ConnectionEvent"/>s: a NEW event
/// in SYN_SENT is <see cref="ConnectionEventKind.Opened"/>; any event that shows a reply
/// (status SEEN_REPLY, or a TCP state past SYN_SENT), and any DESTROY (a RST to a SYN ends the
/// entry at once, unreplied), is <see cref="ConnectionEventKind.Answered"/>.
/// The receive buffer is made large (SO_RCVBUFFORCE, else SO_RCVBUF); when the kernel drops
/// events anyway (ENOBUFS) <c>lost</c> is called and reading goes on.
/// <para>
/// <c>idle</c> is the consumer's deadline check, run on the same thread: it returns how long
/// until its next deadline (null: none pending). The reader blocks in poll(2) until that
/// deadline, an event or <see cref="Dispose"/> (an eventfd): no tick while nothing is pending,
/// which was a hundred wake-ups a second on an idle router. After events were passed on, the
/// check runs again within <see cref="TickMilliseconds"/> (not after every datagram: a busy
/// router sends thousands a second); events are the only other thing that can add a deadline.
/// </para>
/// </summary>
public sealed class ConntrackEventListener : IDisposable
{
    /// <summary>The longest a deadline check waits after events were passed on.</summary>
    public const int TickMilliseconds = 10;

    private readonly FileDescriptor _fd;
    private readonly uint _mask;
    private readonly Action<ConnectionEvent> _event;
    private readonly Action _lost;
    private readonly Func<TimeSpan?> _idle;
    private readonly StopEvent _stop = new();
    private readonly Thread _reader;
    private volatile bool _stopping;

    private ConntrackEventListener(FileDescriptor fd, uint mask, Action<ConnectionEvent> onEvent, Action lost, Func<TimeSpan?> idle)
    {
        (_fd, _mask, _event, _lost, _idle) = (fd, mask, onEvent, lost, idle);
        _reader = new Thread(Read) { IsBackground = true, Name = "conntrack-events" };
        _reader.Start();
    }

    /// <summary>
    /// Subscribes in <paramref name="netns"/> (null: this process's namespace); callbacks run on
    /// the listener's thread. A busy router sends several events per connection: 8 MiB rides out a burst.
    /// </summary>
    public static ConntrackEventListener Open(uint mask, Action<ConnectionEvent> onEvent, Action lost, Func<TimeSpan?> idle, string? netns = null) =>
        new(NamespaceThread.In(netns, () => ConntrackEventSocket.Subscribe(8 << 20, Ctnetlink.GroupNew, Ctnetlink.GroupUpdate, Ctnetlink.GroupDestroy)),
            mask, onEvent, lost, idle);

    private unsafe void Read()
    {
        var buffer = new byte[256 * 1024];
        var added = false;
        var stopAdded = false;
        try
        {
            _fd.DangerousAddRef(ref added);
            _stop.Fd.DangerousAddRef(ref stopAdded);
            var poll = stackalloc Libc.PollFd[2];
            long? due = null; // Environment.TickCount64 of the next deadline check; null: none pending
            var lastCheck = long.MinValue / 2;
            while (!_stopping)
            {
                poll[0] = new Libc.PollFd { Fd = (int)_fd.DangerousGetHandle(), Events = Libc.PollIn };
                poll[1] = new Libc.PollFd { Fd = (int)_stop.Fd.DangerousGetHandle(), Events = Libc.PollIn };
                var timeout = due is { } d ? (int)Math.Clamp(d - Environment.TickCount64, 0, int.MaxValue) : -1;
                var ready = Libc.Poll(poll, 2, timeout);
                if (ready < 0 && Marshal.GetLastPInvokeError() != Libc.Eintr) throw SyscallException.Last("poll(conntrack events)");
                if (_stopping) break;
                if (ready > 0 && poll[0].Revents != 0 && Drain(buffer))
                    due = Math.Min(due ?? long.MaxValue, lastCheck + TickMilliseconds);
                if (due is { } at && Environment.TickCount64 >= at)
                {
                    lastCheck = Environment.TickCount64;
                    // Rounded up: woken a little early, the check would find nothing and poll(0) again.
                    due = _idle() is { } wait ? lastCheck + Math.Max(0, (long)Math.Ceiling(wait.TotalMilliseconds)) : null;
                }
            }
        }
        catch (Exception e) when (e is SyscallException)
        {
            // The socket failed for good: passive health stops, probes go on. Said once.
            _lost();
        }
        finally
        {
            if (stopAdded) _stop.Fd.DangerousRelease();
            if (added) _fd.DangerousRelease();
        }
    }

    /// <summary>Reads what is queued (at most 64 datagrams); true when an event was passed on.</summary>
    private unsafe bool Drain(byte[] buffer)
    {
        var passed = false;
        // Bounded, so the idle callback (deadline checks) runs even under a flood.
        for (var i = 0; i < 64; i++)
        {
            var n = ConntrackEventSocket.Receive(_fd, buffer, _lost);
            if (n < 0) return passed;
            foreach (var message in new NetlinkMessages(buffer.AsSpan(0, n)))
            {
                if (message.Type is Ctnetlink.MsgNew or Ctnetlink.MsgDelete
                    && Classify(message.Payload, message.Type == Ctnetlink.MsgDelete, (message.Flags & NetlinkAbi.Create) != 0, _mask) is { } e)
                {
                    _event(e);
                    passed = true;
                }
            }
        }
        return passed;
    }

    /// <summary>The event a ctnetlink message makes, or null when it is of no interest (not TCP, no Junction mark, nothing new).</summary>
    internal static ConnectionEvent? Classify(ReadOnlySpan<byte> payload, bool destroyed, bool created, uint mask)
    {
        var entry = new ConntrackEntry(payload);
        if (entry.Protocol != Libc.IpprotoTcp || (entry.Mark & mask) == 0 || payload.Length < Nfnetlink.GenMsgLength) return null;
        var attributes = payload[Nfnetlink.GenMsgLength..];
        var id = NetlinkAttributes.Find(attributes, CtaId);
        if (id.Length < 4) return null;
        var status = NetlinkAttributes.Find(attributes, CtaStatus);
        var seenReply = status.Length >= 4 && (BinaryPrimitives.ReadUInt32BigEndian(status) & SeenReply) != 0;
        var key = BinaryPrimitives.ReadUInt32BigEndian(id);
        if (destroyed || seenReply || entry.TcpState is not (TcpSynSent or TcpNone or byte.MaxValue))
            return new ConnectionEvent(ConnectionEventKind.Answered, key, entry.Mark, null);
        return created && entry.TcpState == TcpSynSent
            ? new ConnectionEvent(ConnectionEventKind.Opened, key, entry.Mark, ConntrackTuple.Address(entry.Original.Destination))
            : null;
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
