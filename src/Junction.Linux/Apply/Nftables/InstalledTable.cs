using System.Text.RegularExpressions;
using Junction.Linux.Nftables;
using Junction.Planning;

namespace Junction.Linux.Apply.Nftables;

/// <summary>
/// Junction's nftables table as the kernel holds it now: its listing (which nft accepts
/// back as input, so it is also the rollback copy) and the ownership record in its comment.
/// </summary>
internal sealed partial record InstalledTable(string Text, Ownership? Owner)
{
    /// <summary>The installed table, or null when there is none.</summary>
    /// <exception cref="NftablesException">the table could not be listed.</exception>
    public static InstalledTable? Read(INftables nft)
    {
        // One call: listing a table that is not there fails with ENOENT's words.
        var listed = nft.Run($"list table {DesiredState.TableFamily} {DesiredState.TableName}");
        if (listed.NotFound) return null;
        var text = listed.Check("list Junction's table").Output;
        // nft 1.0.6 leaves table comments out of its JSON, so the text listing is read.
        var comment = TableComment().Match(text);
        return new InstalledTable(text, comment.Success ? Ownership.Parse(comment.Groups["c"].Value) : null);
    }

    /// <summary>
    /// One transaction that replaces whatever table is there with the plan's, carrying the
    /// ownership record. A table declared twice in one script is merged; the comment of
    /// the first declaration stays.
    /// </summary>
    /// <param name="fresh">
    /// no table was there when the kernel was read: 'create' (which fails if one appeared
    /// since, and the transaction with it) instead of 'add' and 'delete', which make
    /// libnftables read the kernel's tables first.
    /// </param>
    public static string Script(DesiredState plan, Ownership owner, bool fresh = false) =>
        $"{(fresh ? "create table" : Reset + "table")} {DesiredState.TableFamily} {DesiredState.TableName} {{ comment {NftQuote.String(owner.Comment)}; }}\n{Ownership.TableText(plan)}";

    /// <summary>One transaction that puts a listed table back exactly as it was.</summary>
    public string RestoreScript => Reset + Text;

    public static string DeleteScript => $"delete table {DesiredState.TableFamily} {DesiredState.TableName}\n";

    // 'add' makes sure a table exists, so 'delete' cannot fail whatever the state.
    public static string Reset =>
        $"add table {DesiredState.TableFamily} {DesiredState.TableName}\ndelete table {DesiredState.TableFamily} {DesiredState.TableName}\n";

    [GeneratedRegex("^\tcomment \"(?<c>[^\"]*)\"$", RegexOptions.Multiline)]
    private static partial Regex TableComment();
}
