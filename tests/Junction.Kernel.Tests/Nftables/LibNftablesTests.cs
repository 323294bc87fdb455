using System.Text.Json;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Nftables;

namespace Junction.Kernel.Tests.Nftables;

/// <summary>libnftables in this process, inside a test namespace: one transaction per call, JSON reads, the library's own errors.</summary>
public sealed class LibNftablesTests
{
    [Fact]
    public void A_script_goes_in_as_one_transaction_and_reads_back_as_json()
    {
        using var ns = TestNamespace.Create();
        var nft = LibNftables.For(ns.Name);

        nft.Run("""
            table inet t {
                chain c {
                    type filter hook output priority 0;
                    counter comment "isp-1"
                }
            }
            """).Check("add");

        using var doc = JsonDocument.Parse(nft.Run("list table inet t", json: true).Check("list").Output);
        var rule = doc.RootElement.GetProperty("nftables").EnumerateArray().Single(e => e.TryGetProperty("rule", out _)).GetProperty("rule");
        Assert.Equal("isp-1", rule.GetProperty("comment").GetString());
        // The same context prints text again when JSON is not asked for.
        Assert.Contains("table inet t {", nft.Run("list table inet t").Check("list").Output);
        Assert.Contains("table inet t", ns.Run("nft", "list", "tables"));
    }

    [Fact]
    public void A_failing_script_changes_nothing_and_says_why_in_nfts_words()
    {
        using var ns = TestNamespace.Create();
        var nft = LibNftables.For(ns.Name);

        var result = nft.Run("add table inet t\nadd chain inet t c { type filter hook output priority 0; }\nadd rule inet t c jump nowhere\n");

        Assert.False(result.Ok);
        Assert.Contains("Error:", result.Error);
        Assert.Contains("Could not process rule", result.Error);
        Assert.Equal("", ns.Run("nft", "list", "ruleset").Trim());
        var e = Assert.Throws<NftablesException>(() => result.Check("apply"));
        Assert.StartsWith("apply: Error:", e.Message);
        Assert.True(nft.Run("list table inet t").NotFound);
    }
}
