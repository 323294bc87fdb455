namespace Junction.Status;

/// <summary>
/// Turns samples of the per-uplink new-connection counters (the <c>counter</c> in each
/// <c>mark_&lt;uplink&gt;</c> chain) into counts over the last minute and totals since start.
/// Every apply replaces the nftables table and so zeroes its counters: a counter that went
/// down is taken to have restarted from zero, as Prometheus' <c>increase()</c> does, so
/// totals never go backwards. Connections counted between the last sample and a reset are
/// lost; sampling every few seconds keeps that small. Thread-safe.
/// </summary>
public sealed class NewConnectionWindow
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Queue<(DateTimeOffset At, Dictionary<string, long> Totals)> _samples = new();
    private readonly Dictionary<string, long> _lastRaw = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _totals = new(StringComparer.Ordinal);

    public NewConnectionWindow(TimeProvider time, TimeSpan? window = null)
    {
        _time = time;
        Window = window ?? TimeSpan.FromMinutes(1);
    }

    public TimeSpan Window { get; }

    /// <summary>Adds a sample of the raw counters, taken now.</summary>
    public void Record(IReadOnlyDictionary<string, long> counters)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            foreach (var (uplink, raw) in counters)
            {
                // At the very first sample a counter is of unknown age: it sets the baseline. A chain
                // first seen later did not exist at the samples before (no table yet, or a reload
                // added its uplink): it counted from zero since.
                var increase = _lastRaw.TryGetValue(uplink, out var last) ? raw >= last ? raw - last : raw
                    : _samples.Count > 0 ? raw : 0;
                _lastRaw[uplink] = raw;
                _totals[uplink] = _totals.GetValueOrDefault(uplink) + increase;
            }
            // A chain that is gone (its uplink removed, or the table flushed by someone else)
            // counts from zero when it comes back.
            foreach (var gone in _lastRaw.Keys.Where(k => !counters.ContainsKey(k)).ToList()) _lastRaw.Remove(gone);
            _samples.Enqueue((now, new Dictionary<string, long>(_totals)));
            // Keep one sample at or before the window's start, as the base of the difference.
            while (_samples.Count > 1 && _samples.ElementAt(1).At <= now - Window)
                _samples.Dequeue();
        }
    }

    /// <summary>New connections per uplink since the first sample; never decreases.</summary>
    public IReadOnlyDictionary<string, long> Totals()
    {
        lock (_lock) return new Dictionary<string, long>(_totals);
    }

    /// <summary>
    /// New connections per uplink over the window (or since the first sample, when that is
    /// more recent), and the span actually covered.
    /// </summary>
    public (TimeSpan Covered, IReadOnlyDictionary<string, long> Counts) Recent()
    {
        lock (_lock)
        {
            if (_samples.Count == 0) return (TimeSpan.Zero, new Dictionary<string, long>());
            var (at, base_) = _samples.Peek();
            var covered = _samples.Last().At - at;
            return (covered, _totals.ToDictionary(kv => kv.Key, kv => kv.Value - base_.GetValueOrDefault(kv.Key)));
        }
    }
}
