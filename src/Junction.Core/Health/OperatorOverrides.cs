using System.Collections.Immutable;
using Junction.Configuration;

namespace Junction.Health;

/// <summary>
/// The operator's overrides of every uplink, immutable: health's verdict (the unhealthy set)
/// goes in, the set the planner takes comes out. Drained and forced-down uplinks get no new
/// connections; a forced-up one gets them even when health says down. Forced down flushes
/// like a failure, a drain does not (its connections stay until they end; should its health
/// fail too, they are flushed like any failed uplink's), and a forced-up uplink keeps its
/// connections even when its probes fail (<see cref="HealthMayFlush"/>).
/// </summary>
public sealed record OperatorOverrides(ImmutableSortedDictionary<string, OperatorMode> Modes)
{
    public static readonly OperatorOverrides None = new(ImmutableSortedDictionary<string, OperatorMode>.Empty.WithComparers(StringComparer.Ordinal));

    public OperatorMode Of(string uplink) => Modes.GetValueOrDefault(uplink, OperatorMode.Auto);

    /// <summary>This uplink set to <paramref name="mode"/> (<see cref="OperatorMode.Auto"/> removes it).</summary>
    public OperatorOverrides With(string uplink, OperatorMode mode) =>
        new(mode == OperatorMode.Auto ? Modes.Remove(uplink) : Modes.SetItem(uplink, mode));

    /// <summary>Only the uplinks that exist in <paramref name="names"/> (a reload removed the others).</summary>
    public OperatorOverrides Keep(IEnumerable<string> names)
    {
        var keep = names.ToHashSet(StringComparer.Ordinal);
        return new(Modes.RemoveRange(Modes.Keys.Where(k => !keep.Contains(k)).ToList()));
    }

    /// <summary>The uplinks that must get no new connections, given health's <paramref name="unhealthy"/>.</summary>
    public IReadOnlySet<string> Unhealthy(IReadOnlySet<string> unhealthy)
    {
        if (Modes.IsEmpty) return unhealthy;
        var set = unhealthy.ToHashSet(StringComparer.Ordinal);
        foreach (var (name, mode) in Modes)
        {
            if (mode == OperatorMode.Up) set.Remove(name);
            else set.Add(name);
        }
        return set;
    }

    /// <summary>
    /// Whether health going down may flush this uplink's connections: not while it is forced
    /// up (the operator said it works, and it keeps getting new connections).
    /// </summary>
    public bool HealthMayFlush(string uplink) => Of(uplink) != OperatorMode.Up;

    /// <summary>
    /// Null when <paramref name="uplink"/> is configured; else an error that names it, the
    /// closest configured name, and where the list comes from.
    /// </summary>
    public static string? CheckName(string uplink, IReadOnlyCollection<string> configured) =>
        configured.Contains(uplink)
            ? null
            : $"no uplink is named '{uplink}' in the running configuration: {Suggest.DidYouMean(uplink, configured)}";

    /// <summary>For status: "a=drain, b=down", or "" when there are none.</summary>
    public override string ToString() => string.Join(", ", Modes.Select(m => $"{m.Key}={OperatorModes.Word(m.Value)}"));
}
