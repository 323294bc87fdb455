namespace Junction.Health;

/// <summary>An uplink whose new connections go unanswered while other uplinks' are answered.</summary>
public sealed record PassiveSuspicion(string Uplink, int Connections, int Destinations, TimeSpan Deadline)
{
    public string Reason =>
        $"{Connections} new connections to {Destinations} destinations unanswered within {Deadline.TotalMilliseconds:0} ms while other uplinks answered";
}

/// <summary>
/// Passive health: watches the new TCP connections Junction balanced onto each uplink, from
/// conntrack events, and says when an uplink looks dead from the traffic itself. A connection
/// is answered when a reply was seen (SYN-ACK or RST); one still unanswered after the uplink's
/// deadline (95th percentile of its recent handshake times × a factor, at least a floor) counts
/// against the uplink. An uplink is suspect when connections to at least
/// <see cref="PassiveModel.Destinations"/> different destinations went unanswered, nothing on it
/// has been answered since the first of them started, and another uplink answered within
/// <see cref="PassiveModel.Window"/>: one dead server fails on every uplink and is a single
/// destination, an idle uplink gives no evidence either way (its probes decide), and a link
/// whose own answers stop is what this is for. A suspicion is only a request to confirm (a
/// fast probe burst): it is made once, then the uplink needs fresh evidence.
/// Pure: time comes from the injected <see cref="TimeProvider"/>; not thread-safe (the daemon
/// feeds it from its loop).
/// </summary>
public sealed class PassiveMonitor
{
    /// <summary>Connections followed per uplink at most; beyond it new ones are not (a SYN flood must not eat memory).</summary>
    public const int MaxPending = 4096;

    private const int Samples = 64;

    private readonly PassiveModel _model;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Track> _uplinks;

    public PassiveMonitor(PassiveModel model, IEnumerable<string> uplinks, TimeProvider time)
    {
        _model = model;
        _time = time;
        _uplinks = uplinks.ToDictionary(u => u, _ => new Track(), StringComparer.Ordinal);
    }

    /// <summary>A new connection balanced onto <paramref name="uplink"/> (conntrack NEW, TCP, no reply yet).</summary>
    public void Opened(string uplink, uint id, string destination)
    {
        if (!_model.Enabled || !_uplinks.TryGetValue(uplink, out var t) || t.Pending.Count >= MaxPending) return;
        t.Pending.TryAdd(id, new Connection(id, destination, _time.GetUtcNow()));
    }

    /// <summary>A reply was seen for connection <paramref name="id"/> (SYN-ACK or RST), however late.</summary>
    public void Answered(string uplink, uint id)
    {
        if (!_model.Enabled || !_uplinks.TryGetValue(uplink, out var t)) return;
        var now = _time.GetUtcNow();
        if (t.Pending.Remove(id, out var c))
        {
            t.Sample((now - c.Started).TotalMilliseconds);
            t.LastAnswer = now;
        }
        else if (t.Unanswered.RemoveAll(u => u.Id == id) > 0)
            t.LastAnswer = now;
    }

    /// <summary>Conntrack events were lost: what is pending may have been answered unseen, so it is forgotten.</summary>
    public void EventsLost()
    {
        foreach (var t in _uplinks.Values)
        {
            t.Pending.Clear();
            t.Unanswered.Clear();
        }
    }

    /// <summary>Starts <paramref name="uplink"/> afresh (its suspicion was settled, or it came back up).</summary>
    public void Reset(string uplink)
    {
        if (!_uplinks.TryGetValue(uplink, out var t)) return;
        t.Unanswered.Clear();
        t.Suspected = false;
    }

    /// <summary>The current answer deadline of <paramref name="uplink"/>.</summary>
    public TimeSpan Deadline(string uplink) => _uplinks.TryGetValue(uplink, out var t) ? Deadline(t) : PassiveModel.DeadlineCap;

    /// <summary>Moves overdue connections to unanswered and returns the uplinks that just became suspect.</summary>
    public IReadOnlyList<PassiveSuspicion> Check()
    {
        if (!_model.Enabled) return [];
        var now = _time.GetUtcNow();
        List<PassiveSuspicion>? found = null;
        foreach (var (name, t) in _uplinks)
        {
            // Called after every burst of events: an uplink with nothing pending or unanswered costs nothing.
            if (t.Pending.Count == 0 && t.Unanswered.Count == 0) continue;
            var deadline = Deadline(t);
            List<uint>? overdue = null;
            foreach (var c in t.Pending.Values)
                if (now - c.Started >= deadline) (overdue ??= []).Add(c.Id);
            foreach (var id in overdue ?? [])
            {
                t.Pending.Remove(id, out var c);
                t.Unanswered.Add(c);
            }
            t.Unanswered.RemoveAll(c => now - c.Started > PassiveModel.Window);
            // No unanswered connection is no evidence (destinations must be at least 1).
            if (t.Suspected || t.Unanswered.Count == 0) continue;
            // Only what started after the uplink's last answer: one answer says the link carries.
            var evidence = t.Unanswered.Where(c => c.Started > t.LastAnswer).ToList();
            var destinations = evidence.Select(c => c.Destination).Distinct(StringComparer.Ordinal).Count();
            if (destinations < _model.Destinations) continue;
            var othersAnswer = _uplinks.Any(o => o.Key != name && now - o.Value.LastAnswer <= PassiveModel.Window);
            if (!othersAnswer) continue;
            t.Suspected = true;
            (found ??= []).Add(new PassiveSuspicion(name, evidence.Count, destinations, deadline));
        }
        return found ?? [];
    }

    /// <summary>
    /// How long until the next pending connection is overdue, null when none is pending: the
    /// one way time alone makes <see cref="Check"/> find something new. Everything else it
    /// weighs changes only with an event (an answer, a new connection) or ages out, which
    /// the next check (after the next event or deadline) sees as well as a timely one.
    /// </summary>
    public TimeSpan? UntilNextDeadline()
    {
        if (!_model.Enabled) return null;
        var now = _time.GetUtcNow();
        DateTimeOffset? next = null;
        foreach (var t in _uplinks.Values)
        {
            if (t.Pending.Count == 0) continue;
            var deadline = Deadline(t);
            foreach (var c in t.Pending.Values)
                if (next is null || c.Started + deadline < next) next = c.Started + deadline;
        }
        return next is { } n ? (n > now ? n - now : TimeSpan.Zero) : null;
    }

    private TimeSpan Deadline(Track t)
    {
        if (t.Count == 0) return PassiveModel.DeadlineCap;
        var sorted = t.Handshakes.AsSpan(0, t.Count).ToArray();
        Array.Sort(sorted);
        var p = sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(PassiveModel.Percentile * sorted.Length) - 1)];
        var ms = Math.Clamp(p * _model.DeadlineFactor, _model.DeadlineFloor.TotalMilliseconds, PassiveModel.DeadlineCap.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms);
    }

    private readonly record struct Connection(uint Id, string Destination, DateTimeOffset Started);

    private sealed class Track
    {
        public readonly Dictionary<uint, Connection> Pending = [];
        public readonly List<Connection> Unanswered = [];
        public readonly double[] Handshakes = new double[Samples];
        public int Count;
        private int _next;
        public DateTimeOffset LastAnswer = DateTimeOffset.MinValue;
        public bool Suspected;

        public void Sample(double ms)
        {
            Handshakes[_next] = ms;
            _next = (_next + 1) % Samples;
            Count = Math.Min(Count + 1, Samples);
        }
    }
}
