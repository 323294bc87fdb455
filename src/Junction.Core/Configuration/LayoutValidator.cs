using System.Globalization;
using System.Numerics;
using Junction.Model;

namespace Junction.Configuration;

/// <summary>
/// Checks what Junction takes of the kernel's shared numbering: the mark bits
/// (<c>mark-mask</c>), the routing tables (<c>table-base</c>) and the rule priorities
/// (<c>rule-priority</c>), and that the ranges the uplink ids give stay clear of the
/// kernel's own tables and rules.
/// </summary>
internal static class LayoutValidator
{
    private const uint DefaultMarkMask = 0x00ff0000;
    private const uint DefaultTableBase = 1000;
    private const int DefaultRulePriority = 1000;

    public static MarkLayout Validate(JunctionConfig config, ValidationContext v)
    {
        var mask = DefaultMarkMask;
        if (config.MarkMask is { } m)
            mask = MarkMask(v, m) ?? DefaultMarkMask;

        var tableBase = DefaultTableBase;
        if (config.TableBase is { } tb && v.Integer(tb, "table-base", 1, 2_000_000_000, "a routing table id") is { } t)
            tableBase = (uint)t;

        var rulePriority = DefaultRulePriority;
        if (config.RulePriority is { } rp && v.Integer(rp, "rule-priority", 1, MarkLayout.KernelMainRule - 1, $"an ip rule priority below the main table's {MarkLayout.KernelMainRule}") is { } p)
            rulePriority = (int)p;

        return new MarkLayout(mask, tableBase, rulePriority);
    }

    private static uint? MarkMask(ValidationContext v, Sourced<string> m)
    {
        var fix = "give a hex mask of contiguous bits such as 0x00ff0000";
        if (!TryParseUInt(m.Value, out var mask) || mask == 0)
        {
            v.Error(m, "mark-mask", $"'{m.Value}' is not a non-zero 32-bit number", fix);
            return null;
        }
        var shifted = mask >> BitOperations.TrailingZeroCount(mask);
        if ((shifted & (shifted + 1)) != 0)
        {
            v.Error(m, "mark-mask", $"0x{mask:x8} has gaps between its bits", fix);
            return null;
        }
        return mask;
    }

    /// <summary>
    /// Junction owns the routing tables from its lowest uplink id's to its highest's, and the
    /// rule priorities from rule-priority (its main-table rule) to the highest uplink's rule;
    /// an apply deletes whatever else it finds there (Ownership in Junction.Linux). Neither
    /// range may meet what the kernel itself uses, or an apply would wipe the host's routes.
    /// </summary>
    public static void OwnedRanges(JunctionConfig config, ValidationContext v, MarkLayout layout, int lowId, int highId)
    {
        long firstTable = layout.TableBase + (long)lowId - 1, lastTable = layout.TableBase + (long)highId - 1;
        var at = config.TableBase?.Position ?? config.UplinksPosition;
        var system = new (long Table, string Name)[] { (MarkLayout.DefaultTable, "default"), (MarkLayout.MainTable, "main"), (MarkLayout.LocalTable, "local") }
            .Where(t => t.Table >= firstTable && t.Table <= lastTable).ToList();
        if (system.Count > 0)
            v.Error(at, "table-base",
                $"Junction would own routing tables {firstTable}-{lastTable} (table-base + uplink id - 1, for ids {lowId}-{highId}), which include reserved tables of the kernel: {string.Join(", ", system.Select(t => $"{t.Name} ({t.Table})"))}; an apply would delete the host's routes there",
                $"use a table-base whose tables stay clear of {MarkLayout.DefaultTable}-{MarkLayout.LocalTable}, e.g. 'table-base: 1000'");
        else if (lastTable > int.MaxValue)
            v.Error(at, "table-base", $"Junction would own routing tables up to {lastTable}, past {int.MaxValue}", "use a smaller 'table-base', e.g. 1000");

        var lastPriority = (long)layout.RulePriority + highId;
        if (lastPriority >= MarkLayout.KernelMainRule)
            v.Error(config.RulePriority?.Position ?? config.UplinksPosition, "rule-priority",
                $"Junction would own rule priorities {layout.RulePriority}-{lastPriority} (rule-priority + uplink ids up to {highId}), which meet the kernel's rule for the main table at {MarkLayout.KernelMainRule} (and {MarkLayout.KernelDefaultRule}, default)",
                $"use a 'rule-priority' from 1 to {MarkLayout.KernelMainRule - 1 - highId}, e.g. 1000");
    }

    /// <summary>The mask with bits added (above, else below) until it holds <paramref name="ids"/>; 0xffffffff at most.</summary>
    public static uint WiderMask(uint mask, int ids)
    {
        var wide = mask;
        while ((wide >> BitOperations.TrailingZeroCount(wide)) < ids && wide != uint.MaxValue)
        {
            var top = 31 - BitOperations.LeadingZeroCount(wide);
            wide |= top < 31 ? 1u << (top + 1) : 1u << (BitOperations.TrailingZeroCount(wide) - 1);
        }
        return wide;
    }

    private static bool TryParseUInt(string text, out uint value)
    {
        var t = text.Trim();
        return t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : uint.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
