using Junction.Model;

namespace Junction.Planning.Nftables;

/// <summary>One statement of a rule; a rule's statements run left to right.</summary>
public abstract record NftStatement;

/// <summary>How a match compares: implicit (equality, or membership when the right is a set), == or !=.</summary>
public enum NftOp
{
    Implicit,
    Equal,
    NotEqual,
}

/// <summary><c>LEFT [==|!=] RIGHT</c>: the rule goes on only when it holds.</summary>
public sealed record NftMatch(NftExpr Left, NftOp Op, NftExpr Right) : NftStatement;

public enum NftVerdictKind
{
    Accept,
    Drop,
    Return,
    Jump,
    Goto,
}

/// <summary><c>return</c>, <c>drop</c>, <c>jump CHAIN</c>, <c>goto CHAIN</c>.</summary>
public sealed record NftVerdict(NftVerdictKind Kind, string? Chain = null) : NftStatement
{
    public static readonly NftVerdict Return = new(NftVerdictKind.Return), Drop = new(NftVerdictKind.Drop);

    public static NftVerdict Jump(string chain) => new(NftVerdictKind.Jump, chain);

    public static NftVerdict Goto(string chain) => new(NftVerdictKind.Goto, chain);
}

/// <summary>One entry of a verdict map.</summary>
public sealed record NftVmapEntry(NftExpr Key, NftVerdict Verdict);

/// <summary>
/// <c>KEY vmap { k : verdict, ... }</c>. <see cref="Wrap"/> writes eight entries a line in
/// text (a long slot table stays readable); it changes nothing in the kernel.
/// </summary>
public sealed record NftVmap(NftExpr Key, ValueList<NftVmapEntry> Entries, bool Wrap = false) : NftStatement;

/// <summary>An anonymous counter.</summary>
public sealed record NftCounter : NftStatement
{
    public static readonly NftCounter Instance = new();
}

/// <summary><c>KEY set VALUE</c>: <c>ct mark set ct mark &amp; 0xff00ffff | 0x00010000</c>.</summary>
public sealed record NftMangle(NftExpr Key, NftExpr Value) : NftStatement;

/// <summary><c>reject with TYPE</c> (<c>tcp reset</c>).</summary>
public sealed record NftReject(string Type) : NftStatement;

public sealed record NftMasquerade : NftStatement
{
    public static readonly NftMasquerade Instance = new();
}

/// <summary><c>snat FAMILY to ADDRESS</c> (family <c>ip</c> or <c>ip6</c>, as an inet table needs).</summary>
public sealed record NftSnat(string Family, NftExpr Address) : NftStatement;
