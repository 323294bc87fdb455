using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Junction.Planning.Nftables;

/// <summary>
/// Writes a <see cref="NftTable"/> as libnftables' JSON API takes it (libnftables-json(5)):
/// one command list that replaces the table in one transaction, as
/// <see cref="NftText.ReplaceScript"/> does in nft's own language. Remarks are for people
/// and are left out; rule comments are kept.
/// </summary>
public static class NftJson
{
    public static string ReplaceScript(NftTable table)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("nftables");
            Command(w, "add", "table", () => TableId(w, table));
            Command(w, "delete", "table", () => TableId(w, table));
            Command(w, "add", "table", () => TableId(w, table));
            foreach (var set in table.Sets) Command(w, "add", "set", () => Set(w, table, set));
            foreach (var chain in table.Chains) Command(w, "add", "chain", () => Chain(w, table, chain));
            foreach (var chain in table.Chains)
                foreach (var rule in chain.Rules)
                    Command(w, "add", "rule", () => Rule(w, table, chain.Name, rule));
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Command(Utf8JsonWriter w, string verb, string kind, Action body)
    {
        w.WriteStartObject();
        w.WriteStartObject(verb);
        w.WriteStartObject(kind);
        body();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void TableId(Utf8JsonWriter w, NftTable t)
    {
        w.WriteString("family", t.Family);
        w.WriteString("name", t.Name);
    }

    private static void Set(Utf8JsonWriter w, NftTable t, NftSet set)
    {
        w.WriteString("family", t.Family);
        w.WriteString("table", t.Name);
        w.WriteString("name", set.Name);
        w.WriteString("type", set.Type);
        if (set.Flags.Count > 0)
        {
            w.WriteStartArray("flags");
            foreach (var f in set.Flags) w.WriteStringValue(f);
            w.WriteEndArray();
        }
        w.WriteStartArray("elem");
        foreach (var e in set.Elements) Expr(w, e);
        w.WriteEndArray();
    }

    private static void Chain(Utf8JsonWriter w, NftTable t, NftChain chain)
    {
        w.WriteString("family", t.Family);
        w.WriteString("table", t.Name);
        w.WriteString("name", chain.Name);
        if (chain.Hook is not { } h) return;
        w.WriteString("type", h.Type);
        w.WriteString("hook", h.Hook);
        w.WriteNumber("prio", h.Priority);
        w.WriteString("policy", h.Policy);
    }

    private static void Rule(Utf8JsonWriter w, NftTable t, string chain, NftRule rule)
    {
        w.WriteString("family", t.Family);
        w.WriteString("table", t.Name);
        w.WriteString("chain", chain);
        if (rule.Comment is { } comment) w.WriteString("comment", comment);
        w.WriteStartArray("expr");
        foreach (var s in rule.Statements) Statement(w, s);
        w.WriteEndArray();
    }

    private static void Statement(Utf8JsonWriter w, NftStatement statement)
    {
        w.WriteStartObject();
        switch (statement)
        {
            case NftMatch m:
                w.WriteStartObject("match");
                // "in" is nft's implicit operator: equality, membership in a set, or a flag test
                // on a bitmask such as ct state (where "==" would demand exactly that bit).
                w.WriteString("op", m.Op switch { NftOp.Implicit => "in", NftOp.Equal => "==", _ => "!=" });
                w.WritePropertyName("left");
                Expr(w, m.Left);
                w.WritePropertyName("right");
                Expr(w, m.Right);
                w.WriteEndObject();
                break;
            case NftVerdict v:
                VerdictBody(w, v);
                break;
            case NftVmap v:
                w.WriteStartObject("vmap");
                w.WritePropertyName("key");
                Expr(w, v.Key);
                Data(w, v.Entries.Select(e => (e.Key, (Action)(() => Verdict(w, e.Verdict)))));
                w.WriteEndObject();
                break;
            case NftCounter:
                w.WriteNull("counter");
                break;
            case NftMangle m:
                w.WriteStartObject("mangle");
                w.WritePropertyName("key");
                Expr(w, m.Key);
                w.WritePropertyName("value");
                Expr(w, m.Value);
                w.WriteEndObject();
                break;
            case NftReject r:
                w.WriteStartObject("reject");
                w.WriteString("type", r.Type);
                w.WriteEndObject();
                break;
            case NftMasquerade:
                w.WriteNull("masquerade");
                break;
            case NftSnat n:
                w.WriteStartObject("snat");
                w.WriteString("family", n.Family);
                w.WritePropertyName("addr");
                Expr(w, n.Address);
                w.WriteEndObject();
                break;
            default:
                throw new ArgumentException($"unknown statement {statement}");
        }
        w.WriteEndObject();
    }

    private static void Verdict(Utf8JsonWriter w, NftVerdict v)
    {
        w.WriteStartObject();
        VerdictBody(w, v);
        w.WriteEndObject();
    }

    private static void VerdictBody(Utf8JsonWriter w, NftVerdict v)
    {
        var name = NftText.Verdict(v with { Chain = null }).Split(' ')[0];
        if (v.Chain is null)
        {
            w.WriteNull(name);
            return;
        }
        w.WriteStartObject(name);
        w.WriteString("target", v.Chain);
        w.WriteEndObject();
    }

    /// <summary><c>"data": {"set": [[key, value], ...]}</c>: an anonymous map's entries.</summary>
    private static void Data(Utf8JsonWriter w, IEnumerable<(NftExpr Key, Action Value)> entries)
    {
        w.WriteStartObject("data");
        w.WriteStartArray("set");
        foreach (var (key, value) in entries)
        {
            w.WriteStartArray();
            Expr(w, key);
            value();
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Expr(Utf8JsonWriter w, NftExpr e)
    {
        switch (e)
        {
            case NftMark m: w.WriteNumberValue(m.Value); return;
            case NftNumber n: w.WriteNumberValue(n.Value); return;
            // The same escape of a final '*' as in text: a literal star, not a prefix match.
            case NftString s: w.WriteStringValue(NftQuote.String(s.Value)[1..^1]); return;
            case NftSymbol s: w.WriteStringValue(s.Name); return;
            case NftAddress a: w.WriteStringValue(a.Address.ToString()); return;
            case NftSetRef r: w.WriteStringValue("@" + r.Name); return;
        }
        w.WriteStartObject();
        switch (e)
        {
            case NftPayload p:
                w.WriteStartObject("payload");
                w.WriteString("protocol", p.Protocol);
                w.WriteString("field", p.Field);
                w.WriteEndObject();
                break;
            case NftMeta m:
                KeyOnly(w, "meta", m.Key);
                break;
            case NftCt c:
                KeyOnly(w, "ct", c.Key);
                break;
            case NftFib f:
                w.WriteStartObject("fib");
                w.WriteString("result", f.Result);
                w.WriteStartArray("flags");
                foreach (var flag in f.Flags) w.WriteStringValue(flag);
                w.WriteEndArray();
                w.WriteEndObject();
                break;
            case NftNumgen n:
                w.WriteStartObject("numgen");
                w.WriteString("mode", n.Mode);
                w.WriteNumber("mod", n.Mod);
                w.WriteEndObject();
                break;
            case NftJhash j:
                w.WriteStartObject("jhash");
                w.WriteNumber("mod", j.Mod);
                w.WriteNumber("seed", j.Seed);
                w.WritePropertyName("expr");
                Expr(w, j.Expr);
                w.WriteEndObject();
                break;
            case NftConcat c:
                w.WriteStartArray("concat");
                foreach (var part in c.Parts) Expr(w, part);
                w.WriteEndArray();
                break;
            case NftBinary b:
                w.WriteStartArray(b.Op);
                Expr(w, b.Left);
                Expr(w, b.Right);
                w.WriteEndArray();
                break;
            case NftFlags f:
                w.WriteStartArray("|");
                foreach (var name in f.Names) w.WriteStringValue(name);
                w.WriteEndArray();
                break;
            case NftPrefix p:
                w.WriteStartObject("prefix");
                w.WriteString("addr", p.Network.BaseAddress.ToString());
                w.WriteNumber("len", p.Network.PrefixLength);
                w.WriteEndObject();
                break;
            case NftRange r:
                w.WriteStartArray("range");
                w.WriteNumberValue(r.First);
                w.WriteNumberValue(r.Last);
                w.WriteEndArray();
                break;
            case NftSetLiteral s:
                w.WriteStartArray("set");
                foreach (var element in s.Elements) Expr(w, element);
                w.WriteEndArray();
                break;
            case NftMap m:
                w.WriteStartObject("map");
                w.WritePropertyName("key");
                Expr(w, m.Key);
                Data(w, m.Entries.Select(x => (x.Key, (Action)(() => Expr(w, x.Value)))));
                w.WriteEndObject();
                break;
            default:
                throw new ArgumentException($"unknown expression {e}");
        }
        w.WriteEndObject();
    }

    /// <summary>An expression named by one key, e.g. <c>{"meta": {"key": "mark"}}</c>.</summary>
    private static void KeyOnly(Utf8JsonWriter w, string expression, string key)
    {
        w.WriteStartObject(expression);
        w.WriteString("key", key);
        w.WriteEndObject();
    }
}
