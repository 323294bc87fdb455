using Junction.Configuration;

namespace Junction.Explain.Tests;

public sealed class TierExplainerTests
{
    private static readonly Model.JunctionModel Model = ConfigLoader.LoadText("""
        lan: [lan0]
        balance: hash-source
        uplinks:
          - { name: fibre1, interface: wan1, gateway: 192.0.2.1 }
          - { name: fibre2, interface: wan2, gateway: 198.51.100.1 }
          - { name: lte, interface: wwan0, gateway: 203.0.113.1, tier: 2 }
        """, "test.yaml");

    private static Explanation Explain(string query, params string[] down) =>
        Explainer.WouldBe(Model, down.ToHashSet(), ConnectionQuery.Parse(query));

    [Fact]
    public void With_tier_1_healthy_the_reserve_is_named_and_never_a_candidate()
    {
        var e = Explain("93.184.216.34 from 192.168.1.20");

        Assert.Equal(Decision.Balanced, e.Decision);
        Assert.Contains(e.Uplink, new[] { "fibre1", "fibre2" });
        Assert.Equal(["fibre1", "fibre2"], e.Candidates.Select(c => c.Uplink));
        Assert.Contains("tier 1 has a healthy uplink for IPv4: only tier 1 takes new connections; in reserve: lte (tier 2)", e.Steps);
    }

    [Fact]
    public void With_tier_1_down_the_connection_goes_to_tier_2_and_says_why()
    {
        var e = Explain("93.184.216.34 from 192.168.1.20", "fibre1", "fibre2");

        Assert.Equal("lte", e.Uplink);
        Assert.Equal(["lte"], e.Candidates.Select(c => c.Uplink));
        Assert.Contains("every better uplink for IPv4 is down (fibre1, fibre2): tier 2 takes new connections", e.Steps);
    }

    [Fact]
    public void With_every_tier_down_the_main_table_decides()
    {
        var e = Explain("93.184.216.34", "fibre1", "fibre2", "lte");

        Assert.Equal(Decision.Fallback, e.Decision);
        Assert.Null(e.Uplink);
    }
}
