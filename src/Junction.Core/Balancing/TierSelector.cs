namespace Junction.Balancing;

/// <summary>
/// Backup uplinks: new connections go only to the best (lowest-numbered) tier that has at
/// least one healthy member; the worse tiers are held in reserve. The balancers then work
/// on that tier alone, so the hash modes keep their consistency within it: a member that
/// fails hands only its own slots to the others of its tier.
/// </summary>
public static class TierSelector
{
    /// <summary>The best tier with a healthy member; null when none is healthy.</summary>
    public static int? Active(IReadOnlyList<int> tiers, IReadOnlyList<bool> healthy)
    {
        int? best = null;
        for (var i = 0; i < tiers.Count; i++)
            if (healthy[i] && (best is null || tiers[i] < best)) best = tiers[i];
        return best;
    }

    /// <summary>
    /// The members (indices) of the active tier, healthy or not, in order; every member
    /// when none is healthy, so callers see the same shape as without tiers.
    /// </summary>
    public static int[] Members(IReadOnlyList<int> tiers, IReadOnlyList<bool> healthy) =>
        Active(tiers, healthy) is { } tier
            ? Enumerable.Range(0, tiers.Count).Where(i => tiers[i] == tier).ToArray()
            : Enumerable.Range(0, tiers.Count).ToArray();
}
