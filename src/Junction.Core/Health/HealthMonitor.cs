using Junction.Model;

namespace Junction.Health;

/// <summary>
/// All uplinks' state machines together: it routes inputs to the right one and yields
/// the unhealthy set the planner takes. When every uplink is down the set holds them
/// all, the planner falls back to the main table, and the first uplink that comes back
/// is let back at once (its damping hold is waived, since a flapping link beats none).
/// Not thread-safe: the daemon feeds it from one loop.
/// </summary>
public sealed class HealthMonitor
{
    private readonly Dictionary<string, UplinkHealth> _uplinks;
    private HashSet<string> _unhealthy;

    public HealthMonitor(IEnumerable<UplinkModel> uplinks, TimeProvider time, DampingPolicy? damping = null)
    {
        _uplinks = uplinks.ToDictionary(u => u.Name, u => new UplinkHealth(u.Name, u.Probe, damping ?? DampingPolicy.Default, time));
        _unhealthy = Compute();
    }

    public IReadOnlyDictionary<string, UplinkHealth> Uplinks => _uplinks;

    /// <summary>Uplinks that must get no new connections: Down, and Unknown until their first good round.</summary>
    public IReadOnlySet<string> Unhealthy => _unhealthy;

    /// <summary>Counts changes of <see cref="Unhealthy"/>; the daemon re-plans when it moves.</summary>
    public long Generation { get; private set; }

    public HealthUpdate Report(string uplink, ProbeRound round) =>
        Apply(Get(uplink).OnRound(round, NoOtherUp(uplink)));

    public HealthUpdate Report(string uplink, LinkSignal signal) =>
        Apply(Get(uplink).OnLink(signal, NoOtherUp(uplink)));

    /// <summary>Passive health's confirmed verdict (a suspicion a probe burst did not clear).</summary>
    public HealthUpdate ReportDead(string uplink, string reason) => Apply(Get(uplink).OnConfirmedDead(reason));

    /// <summary>When <see cref="Tick"/> is next owed (the earliest <see cref="UplinkHealth.NextTick"/>); null: never, until some input arrives.</summary>
    public DateTimeOffset? NextTick
    {
        get
        {
            DateTimeOffset? next = null;
            foreach (var u in _uplinks.Values)
                if (u.NextTick is { } at && (next is null || at < next)) next = at;
            return next;
        }
    }

    /// <summary>Re-checks holds of uplinks without probes; due at <see cref="NextTick"/>.</summary>
    public HealthUpdate Tick()
    {
        var transitions = new List<HealthTransition>();
        foreach (var u in _uplinks.Values)
            if (u.Tick(NoOtherUp(u.Name)) is { } t) transitions.Add(t);
        return Apply([.. transitions]);
    }

    private UplinkHealth Get(string uplink) =>
        _uplinks.TryGetValue(uplink, out var u) ? u : throw new ArgumentException($"no uplink is named '{uplink}'", nameof(uplink));

    private bool NoOtherUp(string uplink) => _uplinks.Values.All(u => u.Name == uplink || !u.Healthy);

    private HealthUpdate Apply(HealthTransition? transition) => Apply(transition is null ? [] : [transition]);

    private HealthUpdate Apply(HealthTransition[] transitions)
    {
        if (transitions.Length == 0) return HealthUpdate.Nothing(_unhealthy);
        var next = Compute();
        var changed = !next.SetEquals(_unhealthy);
        if (changed)
        {
            _unhealthy = next;
            Generation++;
        }
        return new HealthUpdate(transitions, changed, _unhealthy);
    }

    private HashSet<string> Compute() => _uplinks.Values.Where(u => !u.Healthy).Select(u => u.Name).ToHashSet(StringComparer.Ordinal);
}
