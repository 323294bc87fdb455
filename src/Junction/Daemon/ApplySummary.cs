using Junction.Linux.Apply;

namespace Junction.Cli.Daemon;

/// <summary>
/// An apply's changes in a few words for the info log ("nftables table replaced, 2 routes,
/// 3 rules"; a health change's short path: "nftables chain choose replaced, 2 routes"); every
/// change itself goes to the debug log. The full list can run to a thousand
/// characters, which nobody reads in a journal line.
/// </summary>
internal static class ApplySummary
{
    public static string Of(ApplyResult result)
    {
        if (result.NoChanges) return "no changes";
        var parts = new List<string>();
        foreach (var group in result.Changes.GroupBy(c => c.Subject).OrderBy(g => g.Key))
        {
            if (group.Key == ChangeSubject.Nftables)
                parts.AddRange(group.Select(c => c.Parts is { Count: > 0 } only
                    ? $"nftables {(only.Count == 1 && !only[0].StartsWith("set ", StringComparison.Ordinal) ? "chain " : "")}{string.Join(", ", only)} {Past(c.Action)}"
                    : $"nftables table {Past(c.Action)}"));
            else
                parts.Add(Count(group.Count(), Word(group.Key)));
        }
        return string.Join(", ", parts);
    }

    public static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    public static string Word<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static string Past(ChangeAction action) => action switch
    {
        ChangeAction.Add => "added",
        ChangeAction.Remove => "removed",
        ChangeAction.Replace => "replaced",
        _ => "set",
    };
}
