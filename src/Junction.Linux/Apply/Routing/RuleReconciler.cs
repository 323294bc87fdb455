namespace Junction.Linux.Apply.Routing;

/// <summary>
/// Brings the ip rules in Junction's priority range, both families, to a target set.
/// The kernel's rules are read by <see cref="RoutingDump"/>.
/// </summary>
internal static class RuleReconciler
{
    /// <summary>
    /// Adds what is missing before deleting what is not wanted, so a changed rule never
    /// leaves a gap. Counts matter: a rule that is there twice is deleted once.
    /// </summary>
    public static IEnumerable<KernelStep> Reconcile(IReadOnlyList<IpRule> current, IEnumerable<IpRule> target)
    {
        var wanted = target.ToList();
        var missing = Subtract(wanted, current);
        var unwanted = Subtract(current, wanted);
        return [.. missing.Select(r => r.Add()), .. unwanted.Select(r => r.Delete())];
    }

    private static List<IpRule> Subtract(IEnumerable<IpRule> from, IEnumerable<IpRule> take)
    {
        var left = from.ToList();
        foreach (var r in take) left.Remove(r);
        return left;
    }
}
