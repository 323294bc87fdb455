using System.Globalization;
using System.Text;

namespace Junction.Planning.Nftables;

/// <summary>
/// Writes a <see cref="NftTable"/> as nft(8) reads it: what <c>junction plan</c> prints and
/// the golden files hold. Remarks become <c>#</c> lines; strings go through <see cref="NftQuote"/>.
/// </summary>
public static class NftText
{
    public static string Table(NftTable table)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"table {table.Family} {table.Name} {{\n");
        foreach (var remark in table.Remarks) s.Append("\t# ").Append(remark).Append('\n');
        foreach (var set in table.Sets) s.Append("\n\t").Append(Set(set)).Append('\n');
        foreach (var chain in table.Chains)
        {
            s.Append("\n\tchain ").Append(chain.Name).Append(" {\n");
            AppendBody(s, chain);
            s.Append("\t}\n");
        }
        return s.Append("}\n").ToString();
    }

    /// <summary>
    /// One transaction that replaces Junction's table whatever state it was in: 'add'
    /// makes sure a table exists so 'delete' cannot fail.
    /// </summary>
    public static string ReplaceScript(NftTable table) =>
        $"add table {table.Family} {table.Name}\ndelete table {table.Family} {table.Name}\n{Table(table)}";

    /// <summary>
    /// One transaction that turns <paramref name="from"/> (which the kernel holds) into
    /// <paramref name="to"/> by replacing only the chains and sets whose rules or elements
    /// differ: empty when nothing does; null when the two differ in their shape (other
    /// sets, chains or hooks), which only a whole replacement can change. A chain that is
    /// flushed and refilled in one transaction is never seen half-way by a packet.
    /// </summary>
    public static string? UpdateScript(NftTable from, NftTable to)
    {
        if (from.Family != to.Family || from.Name != to.Name || from.Sets.Count != to.Sets.Count || from.Chains.Count != to.Chains.Count)
            return null;
        var s = new StringBuilder();
        var at = $"{to.Family} {to.Name}";
        for (var i = 0; i < to.Sets.Count; i++)
        {
            var (a, b) = (from.Sets[i], to.Sets[i]);
            if (a == b) continue;
            if (a.Name != b.Name || a.Type != b.Type || a.Flags != b.Flags) return null;
            s.Append(CultureInfo.InvariantCulture, $"flush set {at} {b.Name}\n");
            if (b.Elements.Count > 0)
                s.Append(CultureInfo.InvariantCulture, $"add element {at} {b.Name} {{ {string.Join(", ", b.Elements.Select(Expr))} }}\n");
        }
        for (var i = 0; i < to.Chains.Count; i++)
        {
            var (a, b) = (from.Chains[i], to.Chains[i]);
            if (a.Name != b.Name || a.Hook != b.Hook) return null;
            if (a.Rules.SequenceEqual(b.Rules)) continue;
            s.Append(CultureInfo.InvariantCulture, $"flush chain {at} {b.Name}\n");
            foreach (var rule in b.Rules)
                s.Append(CultureInfo.InvariantCulture, $"add rule {at} {b.Name} {Rule(rule, oneLine: true)}\n");
        }
        return s.ToString();
    }

    /// <summary>The chain's lines (hook line, remarks, rules), each indented two tabs and ended by a newline.</summary>
    public static void AppendBody(StringBuilder s, NftChain chain)
    {
        if (chain.Hook is { } h)
            s.Append(CultureInfo.InvariantCulture, $"\t\ttype {h.Type} hook {h.Hook} priority {Priority(h)}; policy {h.Policy};\n");
        foreach (var item in chain.Items)
            s.Append("\t\t").Append(item switch
            {
                NftRemark r => "# " + r.Text,
                NftRule r => Rule(r),
                _ => throw new ArgumentException($"unknown item {item}"),
            }).Append('\n');
    }

    public static string Set(NftSet set) =>
        $"set {set.Name} {{ type {set.Type}; {(set.Flags.Count == 0 ? "" : $"flags {string.Join(", ", set.Flags)}; ")}elements = {{ {string.Join(", ", set.Elements.Select(Expr))} }} }}";

    /// <param name="oneLine">no line breaks in long maps (a rule of an <c>add rule</c> command).</param>
    public static string Rule(NftRule rule, bool oneLine = false)
    {
        var text = string.Join(" ", rule.Statements.Select(s => Statement(oneLine && s is NftVmap v ? v with { Wrap = false } : s)));
        return rule.Comment is null ? text : $"{text} comment {NftQuote.String(rule.Comment)}";
    }

    /// <summary>The priority's standard name where the hook has one (as nft lists it), else the number.</summary>
    private static string Priority(NftHook h) => (h.Hook, h.Priority) switch
    {
        (_, NftHook.Mangle) => "mangle",
        ("postrouting", NftHook.SourceNat) => "srcnat",
        (_, 0) => "filter",
        _ => h.Priority.ToString(CultureInfo.InvariantCulture),
    };

    public static string Statement(NftStatement statement) => statement switch
    {
        NftMatch m => m.Op switch
        {
            NftOp.Implicit => $"{Expr(m.Left)} {Expr(m.Right)}",
            NftOp.Equal => $"{Expr(m.Left)} == {Expr(m.Right)}",
            _ => $"{Expr(m.Left)} != {Expr(m.Right)}",
        },
        NftVerdict v => Verdict(v),
        NftVmap v => $"{Expr(v.Key)} vmap {Entries(v.Entries.Select(e => $"{Expr(e.Key)} : {Verdict(e.Verdict)}").ToList(), v.Wrap)}",
        NftCounter => "counter",
        NftMangle m => $"{Expr(m.Key)} set {Expr(m.Value)}",
        NftReject r => $"reject with {r.Type}",
        NftMasquerade => "masquerade",
        NftSnat n => $"snat {n.Family} to {Expr(n.Address)}",
        _ => throw new ArgumentException($"unknown statement {statement}"),
    };

    public static string Verdict(NftVerdict v) => v.Kind switch
    {
        NftVerdictKind.Jump => $"jump {v.Chain}",
        NftVerdictKind.Goto => $"goto {v.Chain}",
        var k => k.ToString().ToLowerInvariant(),
    };

    public static string Expr(NftExpr e) => e switch
    {
        NftPayload p => $"{p.Protocol} {p.Field}",
        NftMeta { Key: "iifname" or "oifname" } m => m.Key,
        NftMeta m => $"meta {m.Key}",
        NftCt c => $"ct {c.Key}",
        NftFib f => $"fib {string.Join(" . ", f.Flags)} {f.Result}",
        NftNumgen n => Invariant($"numgen {n.Mode} mod {n.Mod}"),
        NftJhash j => Invariant($"jhash {Expr(j.Expr)} mod {j.Mod} seed 0x{j.Seed:x}"),
        NftConcat c => string.Join(" . ", c.Parts.Select(Expr)),
        NftBinary b => $"{Expr(b.Left)} {b.Op} {Expr(b.Right)}",
        NftFlags f => $"({string.Join(" | ", f.Names)})",
        NftMark m => Invariant($"0x{m.Value:x8}"),
        NftNumber n => n.Value.ToString(CultureInfo.InvariantCulture),
        NftString s => NftQuote.String(s.Value),
        NftSymbol s => s.Name,
        NftAddress a => a.Address.ToString(),
        NftPrefix p => p.Network.ToString(),
        NftRange r => Invariant($"{r.First}-{r.Last}"),
        NftSetLiteral s => $"{{ {string.Join(", ", s.Elements.Select(Expr))} }}",
        NftSetRef r => "@" + r.Name,
        NftMap m => $"{Expr(m.Key)} map {Entries(m.Entries.Select(x => $"{Expr(x.Key)} : {Expr(x.Value)}").ToList(), false)}",
        _ => throw new ArgumentException($"unknown expression {e}"),
    };

    /// <summary>A map's braces; wrapped eight entries a line (inside a chain's rule) when asked.</summary>
    private static string Entries(List<string> entries, bool wrap)
    {
        if (!wrap || entries.Count <= 8) return $"{{ {string.Join(", ", entries)} }}";
        var lines = entries.Chunk(8).Select(c => "\t\t" + string.Join(", ", c));
        return "{\n" + string.Join(",\n", lines) + "\n\t}";
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
