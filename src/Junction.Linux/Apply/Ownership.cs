using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Junction.Hashing;
using Junction.Model;
using Junction.Planning;
using Junction.Planning.Nftables;

namespace Junction.Linux.Apply;

/// <summary>
/// What Junction owns in the kernel: the mark bits, a set of ip rule priorities (both
/// families) and a set of routing tables. It is written into the comment of Junction's
/// own nftables table, so <c>junction flush</c> knows what to remove without the
/// configuration and the record lives and dies with the table in the namespace it
/// describes. <see cref="PlanHash"/> identifies the table's content, so re-applying an
/// unchanged plan leaves the table (and its counters) alone. The hash is of the plan, not
/// of what the kernel holds: a rule someone added to Junction's table by hand survives a
/// re-apply of the same plan (a changed plan, or flush then apply, replaces it).
/// <para>
/// A plan owns only what its uplinks use: the tables from its lowest uplink id's to its
/// highest's, and the priorities from rule-priority (the main-table rule) to the highest
/// uplink's rule. An apply that moves or narrows the ranges first records the old ranges
/// that still hold something too, then changes rules and routes, then narrows the record
/// (<see cref="KernelApplier"/>): whenever the process dies, the record covers everything
/// Junction left in the kernel. The kernel's own tables (0, 253-255) and the priorities of
/// its default rules (0, 32766, 32767) are never owned, whatever a record says.
/// </para>
/// </summary>
public sealed partial record Ownership(uint MarkMask, RangeSet Tables, RangeSet Priorities, string PlanHash)
{
    private const string Prefix = "junction:";

    /// <summary>nftables keeps at most this many bytes of a comment (NFT_USERDATA_MAXLEN, less the NUL).</summary>
    internal const int MaxComment = 255;

    public static Ownership For(DesiredState plan) => Rendered(plan).Owner;

    /// <summary>The plan's nftables table as text: what the hash is of, and what an apply sends.</summary>
    internal static string TableText(DesiredState plan) => Rendered(plan).Text;

    // One apply asks for a plan's record up to three times (the short path's test, the whole
    // path, the daemon's bookkeeping), and each answer rendered the whole table (565 lines,
    // about 0.5 ms, for 64 uplinks). A plan is immutable, so the answer is kept beside it for
    // as long as the plan lives.
    private static readonly ConditionalWeakTable<DesiredState, Render> Renders = new();

    private sealed record Render(Ownership Owner, string Text);

    private static Render Rendered(DesiredState plan) => Renders.GetValue(plan, static plan =>
    {
        var owned = Unhashed(plan);
        // The ranges are part of the hash: a new rule-priority with the same table text
        // must still rewrite the record.
        var text = NftText.Table(plan.Nft);
        var digest = Sha256.HashData(Encoding.UTF8.GetBytes(owned.Ranges + "\n" + text));
        return new Render(owned with { PlanHash = Convert.ToHexStringLower(digest)[..16] }, text);
    });

    /// <summary>What <see cref="For"/> records but the plan hash, which renders the whole table: the short path checks it before it writes.</summary>
    internal static Ownership Unhashed(DesiredState plan)
    {
        var m = plan.Marks;
        var ids = plan.Uplinks.Select(u => u.Id).DefaultIfEmpty(1).ToList();
        return new Ownership(m.Mask, RangeSet.Of(m.Table(ids.Min()), m.Table(ids.Max())), RangeSet.Of(m.RulePriority, m.Priority(ids.Max())), "");
    }

    /// <summary>A record that owns nothing.</summary>
    internal static readonly Ownership Nothing = new(0, RangeSet.Of([]), RangeSet.Of([]), "");

    public bool OwnsTable(uint table) => !MarkLayout.IsSystemTable(table) && Tables.Contains(table);

    public bool OwnsPriority(int priority) => !MarkLayout.IsSystemPriority(priority) && Priorities.Contains(priority);

    /// <summary>
    /// This record, also owning the tables and priorities given (what an older record left
    /// in the kernel that this one does not cover). Should the comment grow past what
    /// nftables keeps, each set becomes one range from its lowest member to its highest.
    /// </summary>
    public Ownership Widened(IEnumerable<uint> tables, IEnumerable<int> priorities)
    {
        var wide = this with
        {
            Tables = Tables.Union(RangeSet.Of(tables.Select(t => (long)t))),
            Priorities = Priorities.Union(RangeSet.Of(priorities.Select(p => (long)p))),
        };
        return Encoding.UTF8.GetByteCount(wide.Comment) <= MaxComment
            ? wide
            : wide with { Tables = wide.Tables.Hull(), Priorities = wide.Priorities.Hull() };
    }

    /// <summary>The nftables table comment (about 90 bytes for one range each).</summary>
    public string Comment => $"{Prefix} {Ranges} plan={PlanHash}";

    private string Ranges => $"mark-mask=0x{MarkMask:x8} tables={Tables} priorities={Priorities}";

    /// <summary>Reads a comment written by <see cref="Comment"/> (or by an older Junction, with one range each); null for anything else.</summary>
    public static Ownership? Parse(string comment)
    {
        var m = CommentPattern().Match(comment);
        if (!m.Success) return null;
        if (RangeSet.Parse(m.Groups["t"].Value) is not { } tables || RangeSet.Parse(m.Groups["p"].Value) is not { } priorities)
            return null;
        return new Ownership(
            uint.Parse(m.Groups["mask"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            tables, priorities, m.Groups["plan"].Value);
    }

    [GeneratedRegex(@"^junction: mark-mask=0x(?<mask>[0-9a-f]{1,8}) tables=(?<t>[0-9,-]+|none) priorities=(?<p>[0-9,-]+|none) plan=(?<plan>[0-9a-f]+)$")]
    private static partial Regex CommentPattern();
}
