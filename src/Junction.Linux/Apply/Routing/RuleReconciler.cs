using Junction.Linux.Processes;
using Junction.Model;

namespace Junction.Linux.Apply.Routing;

/// <summary>Brings the ip rules in Junction's priority range, both families, to a target set.</summary>
internal static class RuleReconciler
{
    public static IReadOnlyList<IpRule> Read(CommandRunner runner, Func<int, bool> owned) =>
        [.. Families(runner).SelectMany(f => f.Rows.Select(r => IpRule.From(f.Family, r))).Where(r => owned(r.Priority))];

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

    private static IEnumerable<(Families Family, IReadOnlyList<System.Text.Json.JsonElement> Rows)> Families(CommandRunner runner)
    {
        yield return (Model.Families.IPv4, IpJson.List(runner, Model.Families.IPv4, "rule", "show"));
        yield return (Model.Families.IPv6, IpJson.ListIfSupported(runner, Model.Families.IPv6, "rule", "show"));
    }
}
