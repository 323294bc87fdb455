using Junction.Model;

namespace Junction.Cli.Daemon;

/// <summary>What a reload must change for the health monitor (and the probes) to start afresh.</summary>
internal static class HealthInputs
{
    /// <summary>Whether the monitor's state still describes the new configuration's uplinks.</summary>
    public static bool Same(JunctionModel a, JunctionModel b) =>
        a.Marks == b.Marks && a.Uplinks.Count == b.Uplinks.Count && a.Uplinks.Zip(b.Uplinks).All(p =>
            p.First.Name == p.Second.Name && p.First.Interface == p.Second.Interface && p.First.Id == p.Second.Id
            && p.First.Families == p.Second.Families && SameProbe(p.First.Probe, p.Second.Probe));

    private static bool SameProbe(ProbeModel a, ProbeModel b) =>
        a with { Targets = [] } == b with { Targets = [] } && a.Targets.SequenceEqual(b.Targets);
}
