using Junction.Model;

namespace Junction.Planning.Nftables;

/// <summary>Collects a chain's lines in order.</summary>
internal sealed class ChainBuilder(string name, NftHook? hook = null)
{
    private readonly List<NftItem> _items = [];

    public ChainBuilder Remark(string text)
    {
        _items.Add(new NftRemark(text));
        return this;
    }

    public ChainBuilder Rule(params NftStatement[] statements) => Commented(null, statements);

    public ChainBuilder Commented(string? comment, params NftStatement[] statements)
    {
        _items.Add(new NftRule(statements.ToValueList(), comment));
        return this;
    }

    public NftChain Build() => new(name, hook, _items.ToValueList());
}

/// <summary>Short names for the expressions and matches Junction's table is made of.</summary>
internal static class Nft
{
    public static NftMatch Is(NftExpr left, NftExpr right) => new(left, NftOp.Implicit, right);

    public static NftMatch Equal(NftExpr left, NftExpr right) => new(left, NftOp.Equal, right);

    public static NftMatch NotEqual(NftExpr left, NftExpr right) => new(left, NftOp.NotEqual, right);

    public static readonly NftMatch CtNew = Is(NftCt.State, new NftSymbol("new"));

    /// <summary><c>ct mark &amp; MASK</c>: Junction's bits of the connection's mark.</summary>
    public static NftExpr CtMarkBits(uint mask) => new NftBinary("&", NftCt.Mark, new NftMark(mask));

    /// <summary><c>ct mark &amp; MASK == 0</c>: a connection Junction has not marked.</summary>
    public static NftMatch Unmarked(uint mask) => Equal(CtMarkBits(mask), new NftNumber(0));

    public static NftSetLiteral Set(IEnumerable<NftExpr> elements) => new(elements.ToValueList());

    public static NftSetLiteral Strings(IEnumerable<string> values) => Set(values.Select(v => (NftExpr)new NftString(v)));

    public static NftSetLiteral Symbols(params string[] names) => Set(names.Select(n => (NftExpr)new NftSymbol(n)));

    /// <summary><c>meta nfproto ipv4|ipv6</c>.</summary>
    public static NftMatch Nfproto(Families family) => Is(NftMeta.Nfproto, new NftSymbol(family == Families.IPv4 ? "ipv4" : "ipv6"));

    /// <summary><c>tcp flags &amp; (syn | ack) != syn</c>: a TCP packet that is not a connection's first.</summary>
    public static readonly NftMatch NotSyn =
        NotEqual(new NftBinary("&", new NftPayload("tcp", "flags"), new NftFlags(["syn", "ack"])), new NftSymbol("syn"));
}
