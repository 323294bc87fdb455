using System.Runtime.InteropServices;
using Junction.Status;

namespace Junction.Linux.Conntrack;

/// <summary>
/// Live connections per masked mark and SNAT address, kept from conntrack events (a NEW adds
/// one, a DESTROY takes one away) and set afresh by a dump now and then (a resync). Only the
/// groups are held, nothing per connection, except during a resync: the identities (a 64-bit
/// hash of the id and original tuple, see <see cref="ConntrackGroupKey.TryRead"/>) of the entries
/// created while the dump runs (at most <see cref="MaxBornDuringResync"/>), so an entry that is
/// both announced and dumped is counted once.
/// <para>
/// The one error a resync cannot rule out: an entry that existed when the dump began and ended
/// before the dump reached it is in neither the dump nor the table, and its DESTROY still
/// takes one away, so a group may read up to that many too few (never below zero) until
/// the next resync. Writers are one thread (the keeper's); readers any thread.
/// </para>
/// </summary>
internal sealed class ConnectionCounts
{
    /// <summary>Ids remembered while one dump runs; past that, an entry created meanwhile may be counted twice.</summary>
    public const int MaxBornDuringResync = 65_536;

    private readonly Lock _lock = new();
    private Dictionary<ConntrackGroupKey, long> _live = [];
    private Dictionary<ConntrackGroupKey, long>? _fresh;
    private HashSet<ulong>? _bornDuring;

    /// <summary>Whether a resync completed: before that the counts mean nothing.</summary>
    public bool Seeded { get; private set; }

    /// <summary>Entries created during resyncs whose id could not be remembered (<see cref="MaxBornDuringResync"/>).</summary>
    public long Unremembered { get; private set; }

    public void Created(ulong id, ConntrackGroupKey key)
    {
        lock (_lock)
        {
            Add(_live, key, 1);
            if (_fresh is null) return;
            Add(_fresh, key, 1);
            if (id == 0) return;
            if (_bornDuring!.Count < MaxBornDuringResync) _bornDuring.Add(id);
            else Unremembered++;
        }
    }

    public void Destroyed(ConntrackGroupKey key)
    {
        lock (_lock)
        {
            Add(_live, key, -1);
            // An entry born during the dump was added above and is skipped by the dump: the
            // subtraction is exact. One older than the dump was counted by it if the dump got
            // there first (exact), or not (one too few: the bounded error described above).
            if (_fresh is not null) Add(_fresh, key, -1);
        }
    }

    /// <summary>A dump starts: from now on events count toward the fresh table too.</summary>
    public void BeginResync()
    {
        lock (_lock)
        {
            _fresh = [];
            _bornDuring = [];
        }
    }

    /// <summary>One entry of the dump.</summary>
    public void Dumped(ulong id, ConntrackGroupKey key)
    {
        lock (_lock)
        {
            if (_fresh is null) throw new InvalidOperationException("no resync in progress");
            // Created during the dump: its NEW event (read before this part of the dump) already counted it.
            if (id != 0 && _bornDuring!.Contains(id)) return;
            Add(_fresh, key, 1);
        }
    }

    /// <summary>
    /// The dump completed: its table replaces the one kept so far. True when the two differ:
    /// entries ended or appeared that no event told of (see <see cref="ConntrackCountKeeper"/>
    /// on entries older than the subscription), or events were lost.
    /// </summary>
    public bool EndResync()
    {
        lock (_lock)
        {
            var fresh = _fresh ?? throw new InvalidOperationException("no resync in progress");
            var differ = !Same(_live, fresh);
            _live = fresh;
            _fresh = null;
            _bornDuring = null;
            Seeded = true;
            return differ;
        }
    }

    private static bool Same(Dictionary<ConntrackGroupKey, long> a, Dictionary<ConntrackGroupKey, long> b)
    {
        foreach (var (key, count) in a)
            if (count != b.GetValueOrDefault(key)) return false;
        foreach (var (key, count) in b)
            if (count != a.GetValueOrDefault(key)) return false;
        return true;
    }

    /// <summary>The dump failed: the counts kept so far stay.</summary>
    public void AbortResync()
    {
        lock (_lock)
        {
            _fresh = null;
            _bornDuring = null;
        }
    }

    public IReadOnlyList<MarkCount> Snapshot()
    {
        lock (_lock) return [.. _live.Where(kv => kv.Value > 0).Select(kv => new MarkCount(kv.Key.Mark, kv.Key.Address.ToString(), kv.Value))];
    }

    private static void Add(Dictionary<ConntrackGroupKey, long> counts, ConntrackGroupKey key, long delta)
    {
        ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _);
        // Never below zero: a DESTROY of an entry counted nowhere (see the class's remarks).
        count = Math.Max(0, count + delta);
    }
}
