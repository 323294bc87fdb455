namespace Junction.Health;

/// <summary>
/// What one input did to the monitor: the transitions it caused and whether the set of
/// unhealthy uplinks changed, which is the only thing that makes the daemon re-plan.
/// </summary>
public sealed record HealthUpdate(IReadOnlyList<HealthTransition> Transitions, bool UnhealthyChanged, IReadOnlySet<string> Unhealthy)
{
    public static HealthUpdate Nothing(IReadOnlySet<string> unhealthy) => new([], false, unhealthy);
}
