using Junction.Model;

namespace Junction.Planning.Nftables;

/// <summary>
/// Junction's nftables table as the planner wants it: named sets, then chains, in the order
/// they are written. Records with value equality all the way down: two plans that would
/// put the same table in the kernel are equal, and a chain that did not change compares
/// equal to its old self.
/// </summary>
public sealed record NftTable(string Family, string Name, ValueList<string> Remarks, ValueList<NftSet> Sets, ValueList<NftChain> Chains)
{
    /// <summary>The chain of that name; null when the table has none.</summary>
    public NftChain? Chain(string name) => Chains.FirstOrDefault(c => c.Name == name);

    public NftSet? Set(string name) => Sets.FirstOrDefault(s => s.Name == name);
}

/// <summary>A named set: <c>set bypass4 { type ipv4_addr; flags interval; elements = { ... } }</c>.</summary>
public sealed record NftSet(string Name, string Type, ValueList<string> Flags, ValueList<NftExpr> Elements);

/// <summary>A base chain's hook: <c>type filter hook prerouting priority mangle; policy accept;</c>.</summary>
public sealed record NftHook(string Type, string Hook, int Priority, string Policy)
{
    public const int Mangle = -150;
    public const int SourceNat = 100;
}

/// <summary>A chain: a base chain when it has a <see cref="Hook"/>, else one that rules jump to.</summary>
public sealed record NftChain(string Name, NftHook? Hook, ValueList<NftItem> Items)
{
    /// <summary>The rules, in order, without the remarks between them.</summary>
    public IEnumerable<NftRule> Rules => Items.OfType<NftRule>();
}

/// <summary>A line of a chain: a rule, or a remark for people (text only; the kernel never sees it).</summary>
public abstract record NftItem;

/// <summary>A <c># ...</c> line.</summary>
public sealed record NftRemark(string Text) : NftItem;

/// <summary>A rule: its statements, and a comment the kernel keeps with it.</summary>
public sealed record NftRule(ValueList<NftStatement> Statements, string? Comment = null) : NftItem;
