using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Junction.Linux.Apply;

/// <summary>
/// What an apply or flush changed, in the order it changed it. Empty means the kernel
/// already matched, which is what a second apply of the same plan must report.
/// </summary>
public sealed record ApplyResult(string Verb, IReadOnlyList<Change> Changes, bool DryRun)
{
    /// <summary>What the applied plan owns (an apply's; null for a flush or restore), computed once per apply.</summary>
    public Ownership? Owner { get; init; }

    public bool NoChanges => Changes.Count == 0;

    public string ToText()
    {
        var s = new StringBuilder();
        if (NoChanges)
            return Verb == "flush"
                ? "flush: no changes; no Junction table is installed, so nothing is recorded as Junction's.\n"
                : $"{Verb}: no changes; the kernel already matches.\n";
        var count = Changes.Count == 1 ? "1 change" : $"{Changes.Count} changes";
        s.Append(DryRun ? $"{Verb} --dry-run: would make {count} (nothing was changed):\n" : $"{Verb}: {count}:\n");
        foreach (var c in Changes)
            s.Append("  ").Append(c).Append('\n');
        return s.ToString();
    }

    public string ToJson() => new JsonObject
    {
        ["verb"] = Verb,
        ["ok"] = true,
        ["dryRun"] = DryRun,
        ["changed"] = !NoChanges && !DryRun,
        ["changes"] = new JsonArray(Changes.Select(c => (JsonNode?)new JsonObject
        {
            ["action"] = Change.Word(c.Action),
            ["subject"] = Change.Word(c.Subject),
            ["description"] = c.Description,
        }).ToArray()),
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
