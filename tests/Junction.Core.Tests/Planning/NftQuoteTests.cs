using Junction.Planning.Nftables;
using Junction.Configuration;

namespace Junction.Planning.Tests;

/// <summary>
/// The one quoting helper for strings in a ruleset. nft's quoted strings end at the next
/// '"' and know one escape, '\*' before the end; so a string is inert when its quoted form
/// has no '"' inside and no bare final '*'. (HostSafetyTests has the real nft read them back.)
/// </summary>
public sealed class NftQuoteTests
{
    public static TheoryData<string> Hostile() => new(
        "a;}drop#", "x\n}\ntable ip evil { chain c { type filter hook input priority 0; policy drop; } }",
        "{ } ; # //", "$(touch /tmp/p)", "`id`", "a\\b", "w*", "\\", "tab\there", "\x1b[2J", "@set", "ünï", "'single'");

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_hostile_string_becomes_one_quoted_token_of_exactly_it(string s)
    {
        var quoted = NftQuote.String(s);

        Assert.StartsWith("\"", quoted);
        Assert.EndsWith("\"", quoted);
        var inside = quoted[1..^1];
        Assert.DoesNotContain('"', inside);
        // What nft reads back: the text between the quotes, with a final '\*' as a literal '*'.
        var read = inside.EndsWith("\\*", StringComparison.Ordinal) ? inside[..^2] + "*" : inside;
        Assert.Equal(s, read);
        Assert.False(inside.EndsWith('*') && !inside.EndsWith("\\*", StringComparison.Ordinal), "a bare final '*' is a wildcard");
    }

    [Theory]
    [InlineData("a\"}accept;drop#")]
    [InlineData("\"")]
    [InlineData("")]
    [InlineData("a\0b")]
    [InlineData("a\\*")]
    public void A_string_nft_cannot_carry_exactly_is_refused_not_approximated(string s)
    {
        var e = Assert.Throws<ArgumentException>(() => NftQuote.String(s));
        Assert.DoesNotContain('\0', e.Message);
    }

    [Fact]
    public void The_planner_quotes_every_interface_name_through_the_helper()
    {
        var model = ConfigLoader.LoadText("lan: ['l{}@;+']\nuplinks:\n  - { name: isp1, interface: 'w;}{$x', gateway: 10.0.0.1 }\n", "t.yaml");
        var table = NftText.Table(Planner.Plan(model).Nft);

        Assert.Contains("iifname { \"l{}@;+\" } jump lan", table);
        Assert.Contains("\"w;}{$x\" : goto mark_isp1", table);
        Assert.DoesNotContain(" w;}{$x", table);
    }
}
