// Over 300 lines for a reason: this is one thread's whole life (subscription, reading, resync
// scheduling, the dump's visitor), and its fields belong to that thread alone: one place to check them.
using System.Runtime.InteropServices;
using Junction.Linux.Interop;
using Junction.Linux.Namespaces;
using Junction.Linux.Netlink;
using Junction.Status;

namespace Junction.Linux.Conntrack;

/// <summary>
/// Keeps the live connections per uplink mark and SNAT address in memory, so status and
/// /metrics read them without dumping the conntrack table (a dump of 250,000 entries takes
/// the kernel most of a second). Its own thread reads conntrack's NEW and DESTROY events
/// (NFNLGRP_CONNTRACK_NEW / _DESTROY; at NEW the mark is set and the source NAT done, so the
/// reply tuple names the SNAT address), and now and then sets the counts afresh from a
/// streaming dump, a resync (<see cref="ConnectionCounts"/> says how the two are merged):
/// at start (the seed), soon after the kernel dropped events (ENOBUFS: the socket's buffer
/// overflowed), after <see cref="CatchUp"/>, twice that, and so on while a resync finds
/// entries no event told of (entries older than the subscription send none), and every
/// <see cref="Periodic"/> as a safety net. A resync runs on this
/// thread, never on a request's path; events keep being read between the dump's parts.
/// <para>
/// Its own subscription, not passive health's: that one comes and goes with reloads and
/// wants UPDATE events too, and its 10 ms deadline checks must not wait behind a dump.
/// </para>
/// One keeper per network namespace and process; <see cref="Find"/> is how readers get it.
/// </summary>
public sealed class ConntrackCountKeeper : IDisposable
{
    /// <summary>The safety-net resync's interval (marks changed after NEW, anything missed).</summary>
    public static readonly TimeSpan Periodic = TimeSpan.FromMinutes(5);
    /// <summary>How soon after lost events a resync starts (the burst that overflowed the buffer is usually over by then).</summary>
    public static readonly TimeSpan AfterLoss = TimeSpan.FromMilliseconds(250);
    /// <summary>
    /// The first interval of the catch-up resyncs that follow a resync which found the counts
    /// wrong, doubling up to <see cref="Periodic"/>. The kernel's default
    /// (net.netfilter.nf_conntrack_events = 2) gives events only to entries created while a
    /// listener exists: entries older than the keeper's subscription (a daemon restarted on a
    /// busy router) never send their DESTROY, and only a dump sees them go.
    /// </summary>
    public static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(5);
    /// <summary>The least time between two resyncs, so a router flooded with events does not dump without pause.</summary>
    public static readonly TimeSpan MinGap = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);
    // Wakes the thread when a resync is asked for from another thread, or to stop: it
    // otherwise sleeps until the next event or the next resync due.
    private readonly StopEvent _wake = new();

    private static readonly Lock RegistryLock = new();
    private static readonly Dictionary<string, ConntrackCountKeeper> Running = [];

    private readonly ConnectionCounts _counts = new();
    private readonly FileDescriptor _events;
    private readonly string? _netns;
    private readonly Thread _thread;
    private readonly NetlinkMessageWriter _request = new();
    private NetlinkSocket? _dump;
    private volatile bool _stopping;
    private long _next;
    private long _lastResyncEnded = long.MinValue / 2;
    private bool _lostDuringResync;
    private TimeSpan _catchUp;
    private long _overruns, _resyncs;
    private volatile string? _lastError;

    private readonly Timings _timings;

    /// <summary>When resyncs happen, and the event socket's buffer (tests make both small to force an overrun).</summary>
    internal sealed record Timings(TimeSpan Periodic, TimeSpan AfterLoss, TimeSpan MinGap, int ReceiveBuffer = 8 << 20, TimeSpan? CatchUp = null)
    {
        public static readonly Timings Default = new(ConntrackCountKeeper.Periodic, ConntrackCountKeeper.AfterLoss, ConntrackCountKeeper.MinGap);

        /// <summary>The first catch-up interval, never longer than <see cref="Periodic"/>.</summary>
        public TimeSpan FirstCatchUp => (CatchUp ?? ConntrackCountKeeper.CatchUp) < Periodic ? CatchUp ?? ConntrackCountKeeper.CatchUp : Periodic;
    }

    private ConntrackCountKeeper(FileDescriptor events, uint mask, string? netns, Timings timings)
    {
        (_events, _mask, _netns, _timings) = (events, mask, netns, timings);
        _next = Environment.TickCount64;
        _thread = new Thread(Run) { IsBackground = true, Name = "conntrack-counts" };
    }

    private volatile uint _mask;
    // The mask the last completed resync counted under: counts are served only for it.
    private uint _seededMask;

    /// <summary>The bits of the mark the counts are kept under.</summary>
    public uint Mask => _mask;

    /// <summary>Whether the first dump completed: before that readers dump themselves.</summary>
    public bool Seeded => _counts.Seeded;

    /// <summary>Times the kernel dropped events for this keeper (each one followed by a resync).</summary>
    public long Overruns => Interlocked.Read(ref _overruns);

    /// <summary>Resyncs completed, the seed included.</summary>
    public long Resyncs => Interlocked.Read(ref _resyncs);

    /// <summary>Why the last resync failed; null when it did not.</summary>
    public string? LastError => _lastError;

    /// <summary>
    /// Starts keeping counts in <paramref name="netns"/> (null: this process's namespace) and
    /// makes them what <see cref="Find"/> returns there. Null when the namespace delivers no
    /// conntrack events (net.netfilter.nf_conntrack_events = 0) or the subscription fails:
    /// readers then dump as before.
    /// </summary>
    public static ConntrackCountKeeper? TryStart(uint mask, string? netns = null) => TryStart(mask, netns, Timings.Default);

    internal static ConntrackCountKeeper? TryStart(uint mask, string? netns, Timings timings)
    {
        if (mask == 0) return null;
        ConntrackCountKeeper keeper;
        try
        {
            if (NamespaceThread.In(netns, EventsDisabled)) return null;
            keeper = new ConntrackCountKeeper(NamespaceThread.In(netns, () => ConntrackEventSocket.Subscribe(timings.ReceiveBuffer, Ctnetlink.GroupNew, Ctnetlink.GroupDestroy)), mask, netns, timings);
        }
        catch (Exception e) when (e is SyscallException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
        lock (RegistryLock) Running[netns ?? ""] = keeper;
        keeper._thread.Start();
        return keeper;
    }

    /// <summary>The keeper running in <paramref name="netns"/> in this process, if any.</summary>
    public static ConntrackCountKeeper? Find(string? netns)
    {
        lock (RegistryLock) return Running.GetValueOrDefault(netns ?? "");
    }

    /// <summary>
    /// The kept counts (the contract of <see cref="IConntrack.CountByMark"/>); null before the
    /// seed. Asked for another mask (a reload changed <c>mark-mask</c>), the keeper turns to it
    /// with a resync in the background and answers null until that is done.
    /// </summary>
    public IReadOnlyList<MarkCount>? TryCount(uint mask)
    {
        if (mask == 0) return null;
        if (mask != _mask)
        {
            _mask = mask;
            RequestResync();
            return null;
        }
        return _counts.Seeded && Volatile.Read(ref _seededMask) == mask ? _counts.Snapshot() : null;
    }

    /// <summary>Asks for a resync as if events had been lost (tests; an operator's nudge).</summary>
    public void RequestResync()
    {
        Interlocked.Exchange(ref _next, Environment.TickCount64);
        try
        {
            _wake.Set();
        }
        catch (ObjectDisposedException)
        {
            // Asked while the keeper stops: there is no thread left to wake.
        }
    }

    private static bool EventsDisabled()
    {
        const string path = "/proc/sys/net/netfilter/nf_conntrack_events";
        return File.Exists(path) && File.ReadAllText(path).Trim() == "0";
    }

    private unsafe void Run()
    {
        var buffer = new byte[256 * 1024];
        var added = false;
        try
        {
            _events.DangerousAddRef(ref added);
            var poll = stackalloc Libc.PollFd[2];
            while (!_stopping)
            {
                var wait = (int)Math.Clamp(Interlocked.Read(ref _next) - Environment.TickCount64, 0, int.MaxValue);
                poll[0] = new Libc.PollFd { Fd = (int)_events.DangerousGetHandle(), Events = Libc.PollIn };
                poll[1] = new Libc.PollFd { Fd = (int)_wake.Fd.DangerousGetHandle(), Events = Libc.PollIn };
                var ready = Libc.Poll(poll, 2, wait);
                if (ready < 0 && Marshal.GetLastPInvokeError() != Libc.Eintr) throw SyscallException.Last("poll(conntrack events)");
                if (ready > 0 && poll[1].Revents != 0) _wake.Clear();
                if (ready > 0 && poll[0].Revents != 0) Drain(buffer);
                if (!_stopping && Environment.TickCount64 >= Interlocked.Read(ref _next)) Resync(buffer);
            }
        }
        catch (SyscallException e)
        {
            // The event socket failed for good: readers fall back to dumping.
            _lastError = e.Message;
            lock (RegistryLock)
                if (Running.GetValueOrDefault(_netns ?? "") == this) Running.Remove(_netns ?? "");
        }
        finally
        {
            if (added) _events.DangerousRelease();
        }
    }

    /// <summary>Reads every event queued now; returns when the socket is empty.</summary>
    private unsafe void Drain(byte[] buffer)
    {
        while (true)
        {
            var n = ConntrackEventSocket.Receive(_events, buffer, Lost);
            if (n < 0) return;
            foreach (var message in new NetlinkMessages(buffer.AsSpan(0, n)))
            {
                if (!ConntrackGroupKey.TryRead(message.Payload, _mask, out var key, out var id)) continue;
                if (message.Type == Ctnetlink.MsgDelete) _counts.Destroyed(key);
                else if (message.Type == Ctnetlink.MsgNew && (message.Flags & NetlinkAbi.Create) != 0) _counts.Created(id, key);
            }
        }
    }

    /// <summary>The kernel dropped events: a resync soon, once the burst is likely over, not sooner than <see cref="MinGap"/> after the last.</summary>
    private void Lost()
    {
        Interlocked.Increment(ref _overruns);
        _lostDuringResync = true;
        var at = Math.Max(Environment.TickCount64 + Ms(_timings.AfterLoss), _lastResyncEnded + Ms(_timings.MinGap));
        long current;
        while ((current = Interlocked.Read(ref _next)) > at && Interlocked.CompareExchange(ref _next, at, current) != current) { }
    }

    private void Resync(byte[] buffer)
    {
        _lostDuringResync = false;
        var mask = _mask;
        var unremembered = _counts.Unremembered;
        _counts.BeginResync();
        try
        {
            var socket = _dump ??= NetlinkSocket.Open(NetlinkAbi.NetfilterProtocol, "NETLINK_NETFILTER", _netns, receiveBuffer: 4 << 20);
            var sequence = socket.Next();
            _request.Clear();
            _request.Begin(Ctnetlink.MsgGet, NetlinkAbi.Request | NetlinkAbi.Dump, sequence);
            var header = _request.Fixed(Nfnetlink.GenMsgLength);
            header[0] = Libc.AfUnspec;
            header[1] = Nfnetlink.V0;
            _request.End();
            var visitor = new Dumped(_counts, mask);
            // Events are read before each part of the dump: an entry the kernel created before
            // that part was filled is then known as created during the dump, and counted once.
            socket.Dump(_request, sequence, "conntrack dump (connection counts)", ref visitor, () =>
            {
                // Stopping: the rest of a long dump is not waited for.
                if (_stopping) throw new OperationCanceledException();
                Drain(buffer);
            });
            var wrong = _counts.EndResync();
            Volatile.Write(ref _seededMask, mask);
            // The mask changed while dumping: the events meanwhile were counted under both.
            if (mask != _mask) _lostDuringResync = true;
            // More entries were created during the dump than could be remembered: some may be
            // counted twice, so the next resync follows soon too.
            if (_counts.Unremembered > unremembered) _lostDuringResync = true;
            _lastError = null;
            Interlocked.Increment(ref _resyncs);
            _lastResyncEnded = Environment.TickCount64;
            // Events lost while dumping: the counts may miss them, so another resync follows.
            // Counts the dump had to correct (the seed found entries older than the
            // subscription, or such entries ended unannounced): catch-up resyncs after 5 s,
            // 10 s, 20 s ... up to the periodic interval, started again by each correction.
            if (wrong) _catchUp = _timings.FirstCatchUp;
            var after = _timings.Periodic;
            if (_catchUp > TimeSpan.Zero)
            {
                after = _catchUp;
                _catchUp = after * 2 < _timings.Periodic ? after * 2 : TimeSpan.Zero;
            }
            Interlocked.Exchange(ref _next, _lastResyncEnded + Ms(_lostDuringResync ? _timings.MinGap : after));
        }
        catch (KernelCallException e)
        {
            Failed(e.Message);
        }
        catch (IOException e)
        {
            Failed(e.Message);
        }
        catch (OperationCanceledException)
        {
            Failed("stopped");
        }

        void Failed(string why)
        {
            _counts.AbortResync();
            _lastError = why;
            _dump?.Dispose();
            _dump = null;
            _lastResyncEnded = Environment.TickCount64;
            Interlocked.Exchange(ref _next, _lastResyncEnded + (long)RetryAfterFailure.TotalMilliseconds);
        }
    }

    private static long Ms(TimeSpan t) => (long)Math.Min(t.TotalMilliseconds, long.MaxValue / 4);

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        lock (RegistryLock)
            if (Running.GetValueOrDefault(_netns ?? "") == this) Running.Remove(_netns ?? "");
        if (_thread.IsAlive && Thread.CurrentThread != _thread) _thread.Join();
        _events.Dispose();
        _wake.Dispose();
        _dump?.Dispose();
    }

    private readonly struct Dumped(ConnectionCounts counts, uint mask) : INetlinkVisitor
    {
        public void Visit(ushort type, ReadOnlySpan<byte> payload)
        {
            if (type == Ctnetlink.MsgNew && ConntrackGroupKey.TryRead(payload, mask, out var key, out var id)) counts.Dumped(id, key);
        }
    }
}
