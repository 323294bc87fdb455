using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Junction.Health;
using Junction.Linux.Interop;
using Junction.Model;
using static Junction.Linux.Interop.ProbeCalls;

namespace Junction.Linux.Probes;

/// <summary>
/// One uplink inside <see cref="ProbeEngine"/>, touched only by the engine's thread: its
/// rounds in flight (at most <see cref="ProbeScheduler.MaxInFlight"/>, reported in start
/// order), its ICMP sockets (one per address family, kept open, bound to the uplink) and
/// its TCP connects (one socket per probe: a handshake needs its own). Everything a round
/// needs is allocated once here; a round allocates only the <see cref="ProbeRound"/> it reports.
/// </summary>
internal sealed class EngineUplink
{
    private readonly ProbeJob _job;
    private readonly IReadOnlyList<ProbeTarget> _targets;
    private readonly byte[][] _addresses;       // each target as a sockaddr_in / sockaddr_in6
    private readonly Slot[] _slots;
    private readonly bool _tcp;
    private readonly FileDescriptor _epoll;
    private FileDescriptor? _icmp4, _icmp6;
    private int _head, _count;
    private ushort _sequence;

    public EngineUplink(int index, ProbeJob job, FileDescriptor epoll, ushort id)
    {
        Index = index;
        _job = job;
        _epoll = epoll;
        _targets = job.Probe.Targets;
        _tcp = job.Probe.Kind == ProbeKind.Tcp;
        _addresses = [.. _targets.Select(t => SockAddr.Of(t.Address, t.Port ?? 0))];
        _slots = [.. Enumerable.Range(0, ProbeScheduler.MaxInFlight).Select(_ => new Slot(_targets.Count))];
        Id = id;
    }

    public int Index { get; }

    /// <summary>The ICMP identifier of this uplink's echo requests.</summary>
    public ushort Id { get; }

    public ProbeModel Probe => _job.Probe;

    /// <summary>When the next round starts (a <see cref="Stopwatch"/> timestamp).</summary>
    public long NextStart { get; set; }

    /// <summary>Whether the last round reported was good (none yet: false).</summary>
    public bool LastGood { get; set; }

    /// <summary>Starts a round now, unless <see cref="ProbeScheduler.MaxInFlight"/> are still running.</summary>
    public void StartRound(long now, Action<int, ProbeRound> finished)
    {
        if (_count == _slots.Length) return;
        var slotIndex = (_head + _count) % _slots.Length;
        var slot = _slots[slotIndex];
        _count++;
        slot.Begin(now, _job.Timeout.Current);
        var deadline = now + Ticks(slot.Timeout);
        for (var i = 0; i < _targets.Count; i++)
        {
            var error = _tcp ? Connect(slotIndex, i, slot) : Echo(i, slot);
            if (error is null) slot.Deadline[i] = deadline;
            else slot.Complete(i, ProbeResult.Failed(_targets[i], error));
        }
        Settle(slot, finished);
    }

    /// <summary>The earliest deadline of a probe still waiting, or <see cref="long.MaxValue"/>.</summary>
    public long NextDeadline()
    {
        var next = long.MaxValue;
        for (var n = 0; n < _count; n++)
        {
            var slot = _slots[(_head + n) % _slots.Length];
            if (slot.Decided) continue;
            for (var i = 0; i < _targets.Count; i++)
                if (slot.Results[i] is null && slot.Deadline[i] < next) next = slot.Deadline[i];
        }
        return next;
    }

    /// <summary>Fails every probe whose deadline has passed.</summary>
    public void Expire(long now, Action<int, ProbeRound> finished)
    {
        for (var n = 0; n < _count; n++)
        {
            var slot = _slots[(_head + n) % _slots.Length];
            if (slot.Decided) continue;
            for (var i = 0; i < _targets.Count; i++)
            {
                if (slot.Results[i] is not null || now < slot.Deadline[i]) continue;
                slot.Complete(i, ProbeResult.Failed(_targets[i], _tcp
                    ? $"no handshake within {slot.Timeout.TotalMilliseconds:0} ms"
                    : $"no echo reply within {slot.Timeout.TotalMilliseconds:0} ms"));
            }
            Settle(slot, finished);
        }
    }

    /// <summary>
    /// Reads one queued datagram of an ICMP socket and matches an echo reply to its probe.
    /// One, not until EAGAIN: the epoll set is level-triggered, so more queued ones wake the
    /// next wait at once, and the usual single reply costs one system call instead of two.
    /// </summary>
    public unsafe void Receive(bool v6, Span<byte> buffer, long now, Action<int, ProbeRound> finished)
    {
        if ((v6 ? _icmp6 : _icmp4) is not { } socket) return;
        var from = stackalloc byte[SockaddrIn6Length];
        var length = SockaddrIn6Length;
        long got;
        fixed (byte* p = buffer)
            got = RecvFrom(socket, p, buffer.Length, 0, from, &length);
        if (got < 0) return;  // EAGAIN (any other error: the next probe will tell)
        if (!IcmpProbe.TryReadReply(buffer[..(int)got], v6, out var id, out var seq) || id != Id) return;
        Match(seq, SockAddr.Address(from, v6), now, finished);
    }

    private void Match(ushort seq, ReadOnlySpan<byte> source, long now, Action<int, ProbeRound> finished)
    {
        for (var n = 0; n < _count; n++)
        {
            var slot = _slots[(_head + n) % _slots.Length];
            if (slot.Decided) continue;
            for (var i = 0; i < _targets.Count; i++)
            {
                if (slot.Results[i] is not null || slot.Sequence[i] != seq || !SockAddr.Address(_addresses[i]).SequenceEqual(source)) continue;
                slot.Complete(i, ProbeResult.Ok(_targets[i], Stopwatch.GetElapsedTime(slot.Started, now)));
                Settle(slot, finished);
                return;
            }
        }
    }

    /// <summary>A TCP probe's socket became writable (or failed): the handshake's outcome.</summary>
    public unsafe void Connected(int slotIndex, int target, long now, Action<int, ProbeRound> finished)
    {
        var slot = _slots[slotIndex];
        if (slot.Tcp[target] is not { } socket || slot.Results[target] is not null) return;
        int error = 0, size = sizeof(int);
        if (GetSockOpt(socket, Libc.SolSocket, SoError, &error, &size) != 0) error = Marshal.GetLastPInvokeError();
        slot.Complete(target, error == 0 ? ProbeResult.Ok(_targets[target], Stopwatch.GetElapsedTime(slot.Started, now))
            : ProbeResult.Failed(_targets[target], error == Econnrefused ? "connection refused" : Marshal.GetPInvokeErrorMessage(error)));
        Settle(slot, finished);
    }

    /// <summary>Decides the round when its outcome is certain, then reports every decided round at the head, in order.</summary>
    private void Settle(Slot slot, Action<int, ProbeRound> finished)
    {
        if (!slot.Decided && ProbeRound.IsDecided(slot.Answered, slot.Pending, _job.Probe.Require))
        {
            // The rest cannot change the outcome: stop waiting for them now rather than at their timeout.
            for (var i = 0; i < _targets.Count; i++)
                if (slot.Results[i] is null) slot.Complete(i, ProbeResult.NotWaitedFor(_targets[i]));
            slot.Decided = true;
        }
        while (_count > 0 && _slots[_head].Decided)
        {
            var done = _slots[_head];
            var results = new ProbeResult[done.Results.Length];
            for (var i = 0; i < results.Length; i++) results[i] = done.Results[i]!;
            var round = new ProbeRound(results, _job.Probe.Require);
            done.Decided = false;
            _head = (_head + 1) % _slots.Length;
            _count--;
            _job.Timeout.Observe(round);
            _job.Observed?.Invoke(round);
            finished(Index, round);
        }
    }

    private unsafe string? Echo(int target, Slot slot)
    {
        var v6 = _targets[target].Address.AddressFamily == AddressFamily.InterNetworkV6;
        FileDescriptor socket;
        try
        {
            socket = v6 ? _icmp6 ??= OpenIcmp(true) : _icmp4 ??= OpenIcmp(false);
        }
        catch (SyscallException e)
        {
            return e.Message;
        }
        var seq = ++_sequence;
        slot.Sequence[target] = seq;
        Span<byte> packet = stackalloc byte[IcmpProbe.PacketSize];
        IcmpProbe.Write(packet, id: Id, seq, v6);
        var address = _addresses[target];
        fixed (byte* p = packet)
        fixed (byte* a = address)
            if (SendTo(socket, p, packet.Length, 0, a, address.Length) < 0)
                return Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
        return null;
    }

    private unsafe FileDescriptor OpenIcmp(bool v6)
    {
        var socket = ProbeSockets.Open(v6 ? Libc.AfInet6 : Libc.AfInet, Libc.SockRaw, v6 ? Libc.IpprotoIcmpv6 : Libc.IpprotoIcmp, _job.Binding);
        try
        {
            ProbeSockets.OnlyEchoReplies(socket, v6);
            ProbeEngine.Watch(_epoll, socket, EpollIn, ProbeEngine.IcmpToken(Index, v6));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private unsafe string? Connect(int slotIndex, int target, Slot slot)
    {
        var address = _addresses[target];
        FileDescriptor? socket = null;
        try
        {
            socket = ProbeSockets.Open(address.Length == SockaddrIn6Length ? Libc.AfInet6 : Libc.AfInet, SockStream, Libc.IpprotoTcp, _job.Binding);
            ProbeSockets.ResetOnClose(socket);
            fixed (byte* a = address)
                if (ProbeCalls.Connect(socket, a, address.Length) != 0 && Marshal.GetLastPInvokeError() != Einprogress)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    socket.Dispose();
                    return errno == Econnrefused ? "connection refused" : Marshal.GetPInvokeErrorMessage(errno);
                }
            ProbeEngine.Watch(_epoll, socket, EpollOut, ProbeEngine.TcpToken(Index, slotIndex, target));
            slot.Tcp[target] = socket;
            return null;
        }
        catch (SyscallException e)
        {
            socket?.Dispose();
            return e.Message;
        }
    }

    public void Dispose()
    {
        _icmp4?.Dispose();
        _icmp6?.Dispose();
        foreach (var slot in _slots) slot.CloseAll();
    }

    internal static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>One round in flight: its probes' results so far, deadlines, echo sequences and TCP sockets.</summary>
    private sealed class Slot(int targets)
    {
        public readonly ProbeResult?[] Results = new ProbeResult?[targets];
        public readonly long[] Deadline = new long[targets];
        public readonly ushort[] Sequence = new ushort[targets];
        public readonly FileDescriptor?[] Tcp = new FileDescriptor?[targets];
        public int Pending, Answered;
        public long Started;
        public TimeSpan Timeout;
        public bool Decided;

        public void Begin(long now, TimeSpan timeout)
        {
            Array.Clear(Results);
            Pending = Results.Length;
            Answered = 0;
            Started = now;
            Timeout = timeout;
            Decided = false;
        }

        public void Complete(int i, ProbeResult result)
        {
            Results[i] = result;
            Pending--;
            if (result.Answered) Answered++;
            // Closing a connect's socket also takes it out of the epoll set.
            Tcp[i]?.Dispose();
            Tcp[i] = null;
        }

        public void CloseAll()
        {
            for (var i = 0; i < Tcp.Length; i++) Tcp[i]?.Dispose();
        }
    }
}
