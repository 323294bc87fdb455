using System.Diagnostics;
using System.Runtime.InteropServices;
using Junction.Health;
using Junction.Linux.Interop;
using static Junction.Linux.Interop.ProbeCalls;

namespace Junction.Linux.Probes;

/// <summary>
/// Every uplink's probes on one thread of their own: one epoll set holds the ICMP sockets
/// (one per uplink and address family, kept open), the TCP connects in flight, one timerfd
/// armed for the earliest thing due (a round to start, a probe's deadline, a delivery) and an
/// eventfd that stops it. Rounds start every interval ± <see cref="ProbeScheduler.Jitter"/>,
/// each probe waits the uplink's adaptive timeout, a round ends as soon as its outcome is
/// certain (<see cref="ProbeRound.IsDecided"/>), and rounds are reported in start order —
/// what <see cref="ProbeScheduler"/> and <see cref="UplinkProber"/> do with a task, two
/// cancellation sources and a socket per probe, here without the thread pool: the idle
/// daemon's CPU was thread wake-ups.
/// <para>
/// Only rounds that can change the uplink's health are handed over. A good round of an
/// uplink that is up (<c>steady</c>) after a good one changes nothing: it is not handed over
/// at all, only heard by the job's <see cref="ProbeJob.Observed"/> (the statistics status reads),
/// so an uplink that is up and answering does not wake the daemon's loop. Others go in
/// batches: at once when a round may change the uplink's health (it failed, or the uplink is
/// not up), and the first good round after a failed one gathered for up to
/// <see cref="SteadyDelivery"/>. Order is kept: a failed round takes the good ones before it along.
/// </para>
/// </summary>
public sealed class ProbeEngine : IDisposable
{
    /// <summary>The longest a good round of an uplink that is up waits to be handed over.</summary>
    public static readonly TimeSpan SteadyDelivery = TimeSpan.FromSeconds(1);

    private const ulong KindStop = 0, KindTimer = 1, KindIcmp = 2, KindTcp = 3;

    private readonly EngineUplink[] _uplinks;
    private readonly ProbeScheduler _scheduler;
    private readonly Action<ProbeReport[]> _deliver;
    private readonly Func<int, bool> _steady;
    private readonly Action<string> _failed;
    private readonly FileDescriptor _epoll, _timer;
    private readonly StopEvent _stop = new();
    private readonly Thread _thread;
    private readonly List<ProbeReport> _outbox = [];
    private readonly Action<int, ProbeRound> _finished;
    private long _deliverAt = long.MaxValue, _armed = long.MaxValue;
    private bool _urgent;
    private volatile bool _stopping;

    private ProbeEngine(IReadOnlyList<ProbeJob> jobs, Random random, Action<ProbeReport[]> deliver, Func<int, bool> steady, Action<string> failed)
    {
        _scheduler = new ProbeScheduler(TimeProvider.System, random);
        _deliver = deliver;
        _steady = steady;
        _failed = failed;
        _finished = Finished;
        _epoll = Own(EpollCreate(EpollCloexec), "epoll_create1");
        _timer = Own(TimerfdCreate(ClockMonotonic, TfdCloexec | TfdNonblock), "timerfd_create");
        Watch(_epoll, _timer, EpollIn, KindTimer << 56);
        Watch(_epoll, _stop.Fd, EpollIn, KindStop << 56);
        // Each engine's echo identifiers differ from an earlier one's (a reload), whose late replies are then ignored.
        var id = (ushort)random.Next();
        _uplinks = [.. jobs.Select((j, i) => new EngineUplink(i, j, _epoll, (ushort)(id + i)))];
        _thread = new Thread(Run) { IsBackground = true, Name = "junction-probes" };
    }

    /// <summary>
    /// Starts probing on a new thread, in the calling thread's network namespace.
    /// <paramref name="deliver"/> is called on that thread with the finished rounds that may
    /// change an uplink's health, in order (every round goes to its job's <see cref="ProbeJob.Observed"/>);
    /// <paramref name="steady"/> (job number → whether the uplink is up) may be read there at
    /// any time; <paramref name="failed"/> hears of anything unexpected (probing goes on).
    /// </summary>
    public static ProbeEngine Start(IReadOnlyList<ProbeJob> jobs, Random random, Action<ProbeReport[]> deliver,
        Func<int, bool> steady, Action<string> failed)
    {
        var engine = new ProbeEngine(jobs, random, deliver, steady, failed);
        engine._thread.Start();
        return engine;
    }

    internal static ulong IcmpToken(int uplink, bool v6) => KindIcmp << 56 | (ulong)uplink << 32 | (v6 ? 1UL : 0);

    internal static ulong TcpToken(int uplink, int slot, int target) => KindTcp << 56 | (ulong)uplink << 32 | (ulong)slot << 16 | (uint)target;

    internal static unsafe void Watch(FileDescriptor epoll, FileDescriptor fd, uint events, ulong token)
    {
        var e = stackalloc byte[16];
        *(uint*)e = events;
        *(ulong*)(e + EpollDataOffset) = token;
        if (EpollCtl(epoll, EpollCtlAdd, fd, e) != 0) throw SyscallException.Last("epoll_ctl(ADD)");
    }

    private void Run()
    {
        var now = Stopwatch.GetTimestamp();
        // The first rounds start at once, as the scheduler's did.
        foreach (var u in _uplinks) u.NextStart = now;
        var events = new byte[64 * EpollEventSize];
        var buffer = new byte[1500];
        while (!_stopping)
        {
            try
            {
                Turn(Stopwatch.GetTimestamp());
                if (!Wait(events, buffer)) return;
            }
            catch (Exception e) when (e is SyscallException or ObjectDisposedException)
            {
                _failed(e.Message);
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>Starts what is due, fails what timed out, hands over what may go, and arms the timer for the next of these.</summary>
    private void Turn(long now)
    {
        foreach (var u in _uplinks)
        {
            u.Expire(now, _finished);
            if (now < u.NextStart) continue;
            u.StartRound(now, _finished);
            u.NextStart = now + EngineUplink.Ticks(_scheduler.NextDelay(u.Probe.Interval));
        }
        if (_outbox.Count > 0 && (_urgent || now >= _deliverAt))
        {
            var batch = _outbox.ToArray();
            _outbox.Clear();
            _urgent = false;
            _deliverAt = long.MaxValue;
            _deliver(batch);
        }
        var next = _deliverAt;
        foreach (var u in _uplinks) next = Math.Min(next, Math.Min(u.NextStart, u.NextDeadline()));
        Arm(next, now);
    }

    private void Finished(int uplink, ProbeRound round)
    {
        var u = _uplinks[uplink];
        var wasGood = u.LastGood;
        u.LastGood = round.Good;
        var steady = _steady(uplink);
        // Up, and good after good: the health state machine would change nothing.
        if (round.Good && wasGood && steady) return;
        _outbox.Add(new ProbeReport(uplink, round));
        if (!round.Good || !steady) _urgent = true;
        else if (_deliverAt == long.MaxValue) _deliverAt = Stopwatch.GetTimestamp() + EngineUplink.Ticks(SteadyDelivery);
    }

    private unsafe void Arm(long at, long now)
    {
        if (at == _armed) return;
        _armed = at;
        var spec = default(Itimerspec);
        if (at != long.MaxValue)
        {
            // A relative time: the kernel's monotonic clock and Stopwatch's are the same, but nothing needs to rely on it.
            var ns = Math.Max(1, (long)((at - now) * (1_000_000_000.0 / Stopwatch.Frequency)));
            spec.Value = new Timespec { Seconds = ns / 1_000_000_000, Nanoseconds = ns % 1_000_000_000 };
        }
        if (TimerfdSetTime(_timer, 0, &spec, null) != 0) throw SyscallException.Last("timerfd_settime");
    }

    /// <summary>Sleeps until something is ready and handles it; false when told to stop.</summary>
    private unsafe bool Wait(byte[] events, Span<byte> buffer)
    {
        int n;
        fixed (byte* e = events)
        {
            n = EpollWait(_epoll, e, events.Length / EpollEventSize, -1);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == Libc.Eintr) return true;
                throw SyscallException.Last("epoll_wait");
            }
        }
        var now = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            var token = BitConverter.ToUInt64(events, i * EpollEventSize + EpollDataOffset);
            var uplink = (int)(token >> 32 & 0xffffff);
            switch (token >> 56)
            {
                case KindStop:
                    return false;
                case KindTimer:
                    // Not read: the next Arm sets the timer again (forced by this value), and
                    // timerfd_settime clears an expiry, so the descriptor is quiet once more.
                    // One system call less on each of ~40 wake-ups a second.
                    _armed = long.MinValue;
                    break;
                case KindIcmp:
                    _uplinks[uplink].Receive((token & 1) == 1, buffer, now, _finished);
                    break;
                case KindTcp:
                    _uplinks[uplink].Connected((int)(token >> 16 & 0xffff), (int)(token & 0xffff), now, _finished);
                    break;
            }
        }
        return true;
    }

    /// <summary>Stops the thread and closes every socket; rounds in flight are not reported.</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        _stop.Set();
        if (_thread.IsAlive && Thread.CurrentThread != _thread) _thread.Join(TimeSpan.FromSeconds(5));
        foreach (var u in _uplinks) u.Dispose();
        _timer.Dispose();
        _stop.Dispose();
        _epoll.Dispose();
    }
}
