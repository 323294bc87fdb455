using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Junction.Planning;

namespace Junction.Linux.Apply;

/// <summary>
/// What Junction owns in the kernel: the mark bits, a range of ip rule priorities (both
/// families) and a range of routing tables. It is written into the comment of Junction's
/// own nftables table, so <c>junction flush</c> knows what to remove without the
/// configuration and the record lives and dies with the table in the namespace it
/// describes. <see cref="PlanHash"/> identifies the table's content, so re-applying an
/// unchanged plan leaves the table (and its counters) alone. The hash is of the plan, not
/// of what the kernel holds: a rule someone added to Junction's table by hand survives a
/// re-apply of the same plan (a changed plan, or flush then apply, replaces it).
/// </summary>
public sealed partial record Ownership(uint MarkMask, uint FirstTable, uint LastTable, int FirstPriority, int LastPriority, string PlanHash)
{
    private const string Prefix = "junction:";

    public static Ownership For(DesiredState plan)
    {
        var m = plan.Marks;
        var owned = new Ownership(m.Mask, m.TableBase, m.Table(m.MaxId), m.RulePriority, m.LastPriority, "");
        // The ranges are part of the hash: a new rule-priority with the same table text
        // must still rewrite the record.
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(owned.Ranges + "\n" + plan.NftTable));
        return owned with { PlanHash = Convert.ToHexStringLower(digest)[..16] };
    }

    public bool OwnsTable(uint table) => table >= FirstTable && table <= LastTable;

    public bool OwnsPriority(int priority) => priority >= FirstPriority && priority <= LastPriority;

    /// <summary>The nftables table comment (about 90 bytes; nft allows 256).</summary>
    public string Comment => $"{Prefix} {Ranges} plan={PlanHash}";

    private string Ranges =>
        $"mark-mask=0x{MarkMask:x8} tables={FirstTable}-{LastTable} priorities={FirstPriority}-{LastPriority}";

    /// <summary>Reads a comment written by <see cref="Comment"/>; null for anything else.</summary>
    public static Ownership? Parse(string comment)
    {
        var m = CommentPattern().Match(comment);
        if (!m.Success) return null;
        uint U(string g) => uint.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
        int I(string g) => int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
        return new Ownership(
            uint.Parse(m.Groups["mask"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            U("t1"), U("t2"), I("p1"), I("p2"), m.Groups["plan"].Value);
    }

    [GeneratedRegex(@"^junction: mark-mask=0x(?<mask>[0-9a-f]{1,8}) tables=(?<t1>\d+)-(?<t2>\d+) priorities=(?<p1>\d+)-(?<p2>\d+) plan=(?<plan>[0-9a-f]+)$")]
    private static partial Regex CommentPattern();
}
