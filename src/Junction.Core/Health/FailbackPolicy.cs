using Junction.Balancing;
using Junction.Model;

namespace Junction.Health;

/// <summary>Connections of one uplink that <c>failback: move</c> deletes from conntrack now.</summary>
/// <param name="Families">The families in which a better tier took over (a dual uplink may still serve the other).</param>
/// <param name="BetterTier">The tier that has been healthy for the hold time.</param>
public sealed record FailbackFlush(UplinkModel Uplink, Families Families, int BetterTier);

/// <summary>
/// Decides when <c>failback: move</c> flushes the connections left on worse tiers. Pure:
/// it is told the unhealthy set after every change (the planner's input) and reads time
/// only from the injected <see cref="TimeProvider"/>; the daemon deletes the entries.
/// <list type="bullet">
/// <item>Per family, it remembers the worst tier that took new connections since its last
/// failback, and the tier in use now (the best with a healthy uplink).</item>
/// <item>When the tier in use is better than that worst one, a hold starts; it restarts
/// whenever the tier in use changes, and is dropped when no uplink is healthy.</item>
/// <item>When the hold has run, <see cref="Due"/> names the uplinks of the tiers between:
/// worse than the one in use (so a better uplink is always healthy), at most the worst used.</item>
/// </list>
/// With <c>failback: new-only</c>, or all uplinks in one tier, it never flushes.
/// </summary>
public sealed class FailbackPolicy
{
    private readonly JunctionModel _model;
    private readonly TimeProvider _time;
    private readonly Dictionary<Families, Track> _tracks = [];

    public FailbackPolicy(JunctionModel model, TimeProvider time)
    {
        _model = model;
        _time = time;
        if (!Enabled) return;
        foreach (var family in new[] { Families.IPv4, Families.IPv6 }.Where(f => model.Families.HasFlag(f)))
            _tracks[family] = new Track();
    }

    /// <summary>Whether it can ever flush: <c>failback: move</c> and more than one tier.</summary>
    public bool Enabled => _model.Failback == FailbackMode.Move && _model.Tiered;

    /// <summary>When the next flush is due; null when none is pending.</summary>
    public DateTimeOffset? DueAt => _tracks.Values.Where(t => t.Since is not null).Select(t => t.Since!.Value + _model.FailbackHold)
        .Cast<DateTimeOffset?>().Min();

    /// <summary>The same policy when <paramref name="next"/> keeps what it depends on, else a fresh one.</summary>
    public FailbackPolicy For(JunctionModel next) =>
        next.Failback == _model.Failback && next.FailbackHold == _model.FailbackHold && next.Uplinks.Count == _model.Uplinks.Count
        && next.Uplinks.Zip(_model.Uplinks).All(p => p.First.Name == p.Second.Name && p.First.Tier == p.Second.Tier
            && p.First.Families == p.Second.Families && p.First.Id == p.Second.Id)
            ? this
            : new FailbackPolicy(next, _time);

    /// <summary>Takes the uplinks that get no new connections now (unhealthy or unroutable).</summary>
    public void Observe(IReadOnlySet<string> unhealthy)
    {
        var tiers = _model.Uplinks.Select(u => u.Tier).ToArray();
        foreach (var (family, track) in _tracks)
        {
            var healthy = _model.Uplinks.Select(u => !unhealthy.Contains(u.Name) && u.Families.HasFlag(family)).ToArray();
            var active = TierSelector.Active(tiers, healthy);
            if (active is not { } now)
            {
                // Nothing better is healthy: never flush; the connections wait for a better tier.
                track.Active = null;
                track.Since = null;
                continue;
            }
            track.Worst = Math.Max(track.Worst ?? now, now);
            if (track.Worst > now)
            {
                if (track.Active != now || track.Since is null) track.Since = _time.GetUtcNow();
            }
            else track.Since = null;
            track.Active = now;
        }
    }

    /// <summary>The flushes whose hold has run; each is handed out once.</summary>
    public IReadOnlyList<FailbackFlush> Due()
    {
        var now = _time.GetUtcNow();
        var due = new Dictionary<string, (UplinkModel Uplink, Families Families, int Better)>();
        foreach (var (family, track) in _tracks)
        {
            if (track is not { Since: { } since, Active: { } active, Worst: { } worst } || now - since < _model.FailbackHold) continue;
            foreach (var u in _model.Uplinks.Where(u => u.Families.HasFlag(family) && u.Tier > active && u.Tier <= worst))
                due[u.Name] = due.TryGetValue(u.Name, out var d) ? (u, d.Families | family, Math.Min(d.Better, active)) : (u, family, active);
            track.Worst = active;
            track.Since = null;
        }
        return _model.Uplinks.Where(u => due.ContainsKey(u.Name)).Select(u => due[u.Name])
            .Select(d => new FailbackFlush(d.Uplink, d.Families, d.Better)).ToList();
    }

    private sealed class Track
    {
        /// <summary>The tier taking new connections now; null when no uplink is healthy.</summary>
        public int? Active;
        /// <summary>The worst tier that took new connections since the last failback.</summary>
        public int? Worst;
        /// <summary>Since when <see cref="Active"/> has been the tier in use, while a failback is pending.</summary>
        public DateTimeOffset? Since;
    }
}
