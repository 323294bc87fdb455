using Junction.Health;
using Junction.Model;

namespace Junction.Cli.Daemon;

/// <summary>
/// The loop's record of uplink health: the state machines (<see cref="HealthMonitor"/>),
/// each uplink's recent probe rounds (<see cref="ProbeHistory"/>, which the probe thread
/// also writes), and how often each uplink changed state since the daemon started. Those
/// counts are a Prometheus counter: an uplink that survives a reload keeps its count, while
/// the state machines and histories start afresh for the new set of uplinks.
/// Used by the loop's thread only; the snapshot builder reads it under the loop's gate.
/// </summary>
internal sealed class HealthBook(TimeProvider time, DampingPolicy damping)
{
    private Dictionary<string, long> _changes = [];

    public HealthMonitor Monitor { get; private set; } = null!;

    public IReadOnlyDictionary<string, ProbeHistory> Histories { get; private set; } = new Dictionary<string, ProbeHistory>();

    public IReadOnlyDictionary<string, long> Changes => _changes;

    /// <summary>State changes of every uplink since the daemon started.</summary>
    public long Transitions { get; private set; }

    /// <summary>Fresh state machines and histories for <paramref name="model"/>'s uplinks; counts carried over by name.</summary>
    public HealthBook For(JunctionModel model)
    {
        Histories = model.Uplinks.ToDictionary(u => u.Name, _ => new ProbeHistory());
        var before = _changes;
        _changes = model.Uplinks.ToDictionary(u => u.Name, u => before.GetValueOrDefault(u.Name));
        Monitor = new HealthMonitor(model.Uplinks, time, damping);
        return this;
    }

    /// <summary>
    /// A probe round of <paramref name="uplink"/> fed to its state machine (and kept in its
    /// history when <paramref name="record"/>: the probe engine keeps its own rounds); null
    /// for an uplink no longer configured (a round in flight across a reload).
    /// </summary>
    public HealthUpdate? Reported(string uplink, ProbeRound round, bool record)
    {
        if (!Histories.TryGetValue(uplink, out var history)) return null;
        if (record) history.Add(round);
        return Monitor.Report(uplink, round);
    }

    /// <summary>Counts a transition the loop has acted on.</summary>
    public void Count(HealthTransition t)
    {
        Transitions++;
        _changes[t.Uplink] = _changes.GetValueOrDefault(t.Uplink) + 1;
    }
}
