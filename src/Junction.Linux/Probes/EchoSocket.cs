using System.Net;
using System.Net.Sockets;
using Junction.Health;
using Junction.Model;

namespace Junction.Linux.Probes;

/// <summary>
/// One raw ICMP socket of an uplink and the echoes sent through it that wait for a reply:
/// one receive loop matches replies to them, and one timer ends those whose timeout passed.
/// It is retired after a probe through it fails or a send is refused (a new socket serves
/// the next probe; this one closes once nothing waits on it), and closes when unused for
/// <see cref="IdleClose"/>, so an uplink dropped by a reload leaves no socket behind.
/// </summary>
internal sealed class EchoSocket
{
    public static readonly TimeSpan IdleClose = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly bool _v6;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, Waiting> _waiting = [];
    private readonly PriorityQueue<Waiting, long> _deadlines = new();
    private readonly Dictionary<IPAddress, SocketAddress> _addresses = [];
    private readonly ITimer _timer;
    private long _armedFor = long.MaxValue;
    private long _lastUsed;
    private bool _retired, _closed;

    public EchoSocket(Socket socket, bool v6, TimeProvider time)
    {
        _socket = socket;
        _v6 = v6;
        _time = time;
        _lastUsed = time.GetTimestamp();
        _timer = time.CreateTimer(static s => ((EchoSocket)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _ = ReceiveAsync();
    }

    /// <summary>Whether new probes may use it.</summary>
    public bool Usable { get { lock (_gate) return !_retired && !_closed; } }

    /// <summary>Sends one echo; null when the socket closed meanwhile (take a new one).</summary>
    public Task<ProbeResult>? TrySend(ProbeTarget target, ushort id, ushort seq, TimeSpan timeout, CancellationToken cancel)
    {
        if (cancel.IsCancellationRequested) return Task.FromCanceled<ProbeResult>(cancel);
        Span<byte> packet = stackalloc byte[IcmpProbe.EchoLength];
        IcmpProbe.Echo(packet, _v6 ? IcmpProbe.EchoRequest6 : IcmpProbe.EchoRequest4, id, seq, _v6);
        var key = (uint)id << 16 | seq;
        Waiting waiting;
        lock (_gate)
        {
            if (_closed || _retired) return null;
            var now = _time.GetTimestamp();
            _lastUsed = now;
            waiting = new Waiting(this, target, key, now, timeout);
            _waiting[key] = waiting;
            var deadline = now + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
            _deadlines.Enqueue(waiting, deadline);
            if (deadline < _armedFor) Arm(deadline, now);
        }
        try
        {
            _socket.SendTo(packet, SocketFlags.None, Address(target.Address));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            lock (_gate) _waiting.Remove(key);
            Retire();
            waiting.TrySetResult(ProbeResult.Failed(target, e.Message));
            return waiting.Task;
        }
        if (cancel.CanBeCanceled)
        {
            waiting.Registration = cancel.UnsafeRegister(static (s, token) => ((Waiting)s!).Cancel(token), waiting);
            // Answered before the registration existed: nothing left to cancel.
            if (waiting.Task.IsCompleted) waiting.Registration.Unregister();
        }
        return waiting.Task;
    }

    private SocketAddress Address(IPAddress address)
    {
        lock (_gate)
        {
            if (!_addresses.TryGetValue(address, out var socketAddress))
                _addresses[address] = socketAddress = new IPEndPoint(address, 0).Serialize();
            return socketAddress;
        }
    }

    /// <summary>Arms the one timer for <paramref name="deadline"/> (a timestamp). Under the lock.</summary>
    private void Arm(long deadline, long now)
    {
        _armedFor = deadline;
        var due = deadline <= now ? TimeSpan.Zero : _time.GetElapsedTime(now, deadline);
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        List<Waiting>? expired = null;
        lock (_gate)
        {
            if (_closed) return;
            var now = _time.GetTimestamp();
            _armedFor = long.MaxValue;
            while (_deadlines.TryPeek(out var w, out var deadline) && deadline <= now)
            {
                _deadlines.Dequeue();
                if (_waiting.Remove(w.Key)) (expired ??= []).Add(w);
            }
            if (_deadlines.TryPeek(out _, out var next)) Arm(next, now);
            else if (_waiting.Count == 0)
            {
                var idleUntil = _lastUsed + (long)(IdleClose.TotalSeconds * _time.TimestampFrequency);
                if (idleUntil <= now || _retired) Close();
                else Arm(idleUntil, now);
            }
        }
        if (expired is null) return;
        // A failed probe may mean the interface was made again (the binding holds the old index): the next probe gets a fresh socket.
        Retire();
        foreach (var w in expired)
            w.TrySetResult(ProbeResult.Failed(w.Target, $"no echo reply within {w.Timeout.TotalMilliseconds:0} ms"));
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1500];
        var from = new SocketAddress(_v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        while (true)
        {
            int length;
            try
            {
                length = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, from).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Closed, or broken: either way no reply comes through it any more.
                Retire();
                return;
            }
            if (!IcmpProbe.TryReadReply(buffer.AsSpan(0, length), _v6, out var id, out var seq)) continue;
            Waiting? answered = null;
            lock (_gate)
            {
                if (_waiting.TryGetValue((uint)id << 16 | seq, out var w) && From(from, w.Target.Address))
                {
                    _waiting.Remove(w.Key);
                    answered = w;
                }
            }
            answered?.TrySetResult(ProbeResult.Ok(answered.Target, _time.GetElapsedTime(answered.Sent)));
            if (answered is not null) CloseIfDrained();
        }
    }

    /// <summary>Whether the reply came from <paramref name="target"/> (sockaddr_in: address at 4; sockaddr_in6: at 8).</summary>
    private bool From(SocketAddress from, IPAddress target)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!target.TryWriteBytes(bytes, out var written)) return false;
        var offset = _v6 ? 8 : 4;
        return from.Size >= offset + written && from.Buffer.Span.Slice(offset, written).SequenceEqual(bytes[..written]);
    }

    /// <summary>No new probes through this socket; it closes once nothing waits on it.</summary>
    public void Retire()
    {
        lock (_gate)
        {
            _retired = true;
            if (_waiting.Count == 0) Close();
        }
    }

    private void CloseIfDrained()
    {
        lock (_gate)
            if (_retired && _waiting.Count == 0) Close();
    }

    /// <summary>Under the lock.</summary>
    private void Close()
    {
        if (_closed) return;
        _closed = true;
        _timer.Dispose();
        _socket.Dispose();
    }

    private void Cancelled(Waiting waiting)
    {
        lock (_gate) _waiting.Remove(waiting.Key);
        CloseIfDrained();
    }

    /// <summary>
    /// One echo waiting for its reply. Its continuations run inline, on the receive loop or the
    /// timer: what awaits a probe only collects the round and posts it to the daemon's inbox,
    /// and one thread hop less per probe is one wake-up less. Never completed under the lock.
    /// </summary>
    private sealed class Waiting(EchoSocket owner, ProbeTarget target, uint key, long sent, TimeSpan timeout) : TaskCompletionSource<ProbeResult>
    {
        public ProbeTarget Target => target;
        public uint Key => key;
        public long Sent => sent;
        public TimeSpan Timeout => timeout;
        public CancellationTokenRegistration Registration { get; set; }

        public void Cancel(CancellationToken token)
        {
            owner.Cancelled(this);
            TrySetCanceled(token);
        }

        public new bool TrySetResult(ProbeResult result)
        {
            Registration.Unregister();
            return base.TrySetResult(result);
        }
    }
}
