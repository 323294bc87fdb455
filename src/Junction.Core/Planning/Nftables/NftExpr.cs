using System.Net;
using Junction.Model;

namespace Junction.Planning.Nftables;

/// <summary>
/// An nftables expression, as much of the language as Junction's table uses: enough for
/// <see cref="NftText"/> to write what <c>junction plan</c> prints and for
/// <see cref="NftJson"/> to write what libnftables' JSON API takes, from the same object.
/// </summary>
public abstract record NftExpr;

/// <summary>A header field: <c>ip daddr</c>, <c>tcp flags</c>, <c>th dport</c>, <c>icmpv6 type</c>.</summary>
public sealed record NftPayload(string Protocol, string Field) : NftExpr;

/// <summary>Packet meta data: <c>iifname</c>, <c>oifname</c> (written bare), <c>meta mark</c>, <c>meta nfproto</c>, <c>meta l4proto</c>.</summary>
public sealed record NftMeta(string Key) : NftExpr
{
    public static readonly NftMeta Iifname = new("iifname"), Oifname = new("oifname"), Mark = new("mark"),
        Nfproto = new("nfproto"), L4proto = new("l4proto");
}

/// <summary>Conntrack data: <c>ct state</c>, <c>ct mark</c>.</summary>
public sealed record NftCt(string Key) : NftExpr
{
    public static readonly NftCt State = new("state"), Mark = new("mark");
}

/// <summary>A FIB lookup: <c>fib daddr type</c>, <c>fib saddr . oif type</c>.</summary>
public sealed record NftFib(ValueList<string> Flags, string Result) : NftExpr;

/// <summary><c>numgen inc|random mod N</c>.</summary>
public sealed record NftNumgen(string Mode, int Mod) : NftExpr;

/// <summary><c>jhash EXPR mod N seed S</c>.</summary>
public sealed record NftJhash(NftExpr Expr, int Mod, uint Seed) : NftExpr;

/// <summary><c>a . b</c>.</summary>
public sealed record NftConcat(ValueList<NftExpr> Parts) : NftExpr;

/// <summary>A bitwise operation, <c>&amp;</c> or <c>|</c>: <c>ct mark &amp; 0x00ff0000</c>.</summary>
public sealed record NftBinary(string Op, NftExpr Left, NftExpr Right) : NftExpr;

/// <summary>Flag words or'ed together, written in parentheses: <c>(syn | ack)</c>.</summary>
public sealed record NftFlags(ValueList<string> Names) : NftExpr;

/// <summary>A mark value, written as 8 hex digits: <c>0x00ff0000</c>.</summary>
public sealed record NftMark(uint Value) : NftExpr;

/// <summary>A decimal number: a slot, a port, a zero.</summary>
public sealed record NftNumber(long Value) : NftExpr;

/// <summary>A quoted string (an interface name), carried exactly (<see cref="NftQuote"/>).</summary>
public sealed record NftString(string Value) : NftExpr;

/// <summary>A word of nftables' own: <c>new</c>, <c>syn</c>, <c>local</c>, <c>ipv4</c>, <c>tcp</c>, <c>nd-router-solicit</c>.</summary>
public sealed record NftSymbol(string Name) : NftExpr;

/// <summary>One address: <c>::1</c>, <c>192.0.2.201</c>.</summary>
public sealed record NftAddress(IPAddress Address) : NftExpr;

/// <summary>A network with its length: <c>10.0.0.0/8</c>.</summary>
public sealed record NftPrefix(IPNetwork Network) : NftExpr;

/// <summary>A range of numbers: <c>1000-2000</c>.</summary>
public sealed record NftRange(long First, long Last) : NftExpr;

/// <summary>An anonymous set: <c>{ a, b }</c>.</summary>
public sealed record NftSetLiteral(ValueList<NftExpr> Elements) : NftExpr;

/// <summary>A named set of the table: <c>@bypass4</c>.</summary>
public sealed record NftSetRef(string Name) : NftExpr;

/// <summary>One entry of an anonymous map.</summary>
public sealed record NftMapEntry(NftExpr Key, NftExpr Value);

/// <summary>A lookup in an anonymous map: <c>numgen inc mod 3 map { 0 : 192.0.2.201, ... }</c>.</summary>
public sealed record NftMap(NftExpr Key, ValueList<NftMapEntry> Entries) : NftExpr;
