namespace Junction.Linux.Apply.Routing;

/// <summary>
/// Brings the routes in Junction's routing tables, both families, to a target set,
/// comparing the plan's records (<see cref="IpRoute.Identity"/>). The kernel's routes are
/// read by <see cref="RoutingDump"/>.
/// </summary>
internal static class RouteReconciler
{
    /// <summary>
    /// Writes missing routes with <c>ip route replace</c>, which overwrites a changed route
    /// in place (no moment without a default route), then deletes the routes left over.
    /// </summary>
    public static IEnumerable<KernelStep> Reconcile(IReadOnlyList<IpRoute> current, IEnumerable<IpRoute> target)
    {
        var wanted = target.ToList();
        var have = current.Select(r => r.Identity).ToHashSet();
        var want = wanted.Select(r => r.Identity).ToHashSet();
        var missing = wanted.Where(r => !have.Contains(r.Identity)).ToList();
        var unwanted = current.Where(r => !want.Contains(r.Identity)).ToList();
        var overwritten = missing.Select(r => r.Slot).ToHashSet();
        foreach (var r in missing)
            yield return r.Replace(unwanted.Any(u => u.Slot == r.Slot) ? ChangeAction.Replace : ChangeAction.Add);
        foreach (var r in unwanted.Where(u => !overwritten.Contains(u.Slot)))
            yield return r.Delete();
    }
}
