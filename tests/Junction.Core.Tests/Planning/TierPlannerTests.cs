using Junction.Planning.Nftables;
using System.Text.RegularExpressions;
using Junction.Configuration;
using Junction.Model;

namespace Junction.Planning.Tests;

/// <summary>Backup uplinks: the planner balances over the best tier with a healthy uplink only.</summary>
public sealed class TierPlannerTests
{
    private static string Tiered(string balance = "round-robin") => $$"""
        lan: [lan0]
        balance: {{balance}}
        uplinks:
          - { name: a, interface: wan1, gateway: 10.1.0.1, weight: 1 }
          - { name: b, interface: wan2, gateway: 10.2.0.1, weight: 3 }
          - { name: lte, interface: wwan0, gateway: 10.9.0.1, weight: 5, tier: 2 }
        """ + "\n";

    private static JunctionModel Model(string yaml) => ConfigLoader.LoadText(yaml, "test.yaml");

    private static int[] Slots(JunctionModel model, params string[] down) =>
        Planner.BalanceSlots(model, model.Uplinks.Select(u => !down.Contains(u.Name)).ToArray());

    private static double[] Shares(JunctionModel model, params string[] down)
    {
        var slots = Slots(model, down);
        return model.Uplinks.Select((_, i) => slots.Count(s => s == i) / (double)slots.Length).ToArray();
    }

    [Theory]
    [InlineData("round-robin")]
    [InlineData("random")]
    [InlineData("hash-source")]
    [InlineData("hash-source-destination")]
    public void The_reserve_tier_gets_nothing_while_a_better_uplink_is_healthy_and_everything_when_none_is(string balance)
    {
        var model = Model(Tiered(balance));

        Assert.Equal([0.25, 0.75, 0], Shares(model));
        Assert.Equal([0, 1, 0], Shares(model, "a"));
        Assert.Equal([1, 0, 0], Shares(model, "b"));
        Assert.Equal([0, 0, 1], Shares(model, "a", "b"));
        Assert.All(Slots(model, "a", "b", "lte"), s => Assert.Equal(-1, s));
    }

    [Fact]
    public void A_hash_table_keeps_its_consistency_within_a_tier_only_the_failed_uplinks_slots_move()
    {
        var model = Model(Tiered("hash-source") + "  - { name: c, interface: wan3, gateway: 10.3.0.1, weight: 2 }\n");
        var all = Slots(model);
        var withoutA = Slots(model, "a");

        Assert.Equal(all.Length, withoutA.Length);
        for (var s = 0; s < all.Length; s++)
            if (model.Uplinks[all[s]].Name != "a")
                Assert.Equal(all[s], withoutA[s]);
        Assert.DoesNotContain(withoutA, s => model.Uplinks[s].Name is "a" or "lte");
        // The tier-1 table is the one a file without the reserve uplink would build.
        var alone = Model(Tiered("hash-source").Replace("  - { name: lte, interface: wwan0, gateway: 10.9.0.1, weight: 5, tier: 2 }\n", "")
            + "  - { name: c, interface: wan3, gateway: 10.3.0.1, weight: 2 }\n");
        Assert.Equal(Slots(alone).Select(s => alone.Uplinks[s].Name), all.Select(s => model.Uplinks[s].Name));
    }

    [Fact]
    public void The_plan_marks_the_reserve_and_says_which_tier_the_choose_rule_serves()
    {
        var plan = Planner.Plan(Model(Tiered()), new HashSet<string>());
        var lte = plan.Uplinks.Single(u => u.Name == "lte");

        Assert.True(lte.Healthy);
        Assert.True(lte.Reserve);
        Assert.False(lte.InUse);
        Assert.Equal(2, lte.Tier);
        Assert.Equal(0, lte.Slots);
        Assert.All(plan.Uplinks.Where(u => u.Tier == 1), u => Assert.True(u.InUse));
        Assert.Contains("over 4 slots of tier 1 (lte in reserve)", NftText.Table(plan.Nft));
        Assert.DoesNotContain("goto mark_lte", Regex.Match(NftText.Table(plan.Nft), @"chain choose \{.*?\n\t\}", RegexOptions.Singleline).Value);
        // Connections arriving on the reserve link keep it, and its marks are restored.
        Assert.Contains("\"wwan0\" : goto mark_lte", NftText.Table(plan.Nft));
        Assert.Contains(plan.Routes, r => r.Device == "wwan0");

        var down = Planner.Plan(Model(Tiered()), new HashSet<string> { "a", "b" });
        Assert.True(down.Uplinks.Single(u => u.Name == "lte").InUse);
        Assert.Contains("over 1 slots of tier 2", NftText.Table(down.Nft));
        Assert.False(down.Fallback);
    }

    [Fact]
    public void A_dual_uplink_of_a_worse_tier_is_in_use_for_the_family_no_better_uplink_carries()
    {
        var model = Model("""
            lan: [lan0]
            uplinks:
              - { name: a, interface: wan1, gateway: 10.1.0.1 }
              - { name: lte, interface: wwan0, gateway: 10.9.0.1, gateway6: "2001:db8::1", tier: 2 }
            """);
        var plan = Planner.Plan(model, new HashSet<string>());

        Assert.True(plan.Uplinks.Single(u => u.Name == "lte").InUse);
        Assert.Contains("meta nfproto ipv6 numgen inc mod 1 vmap { 0 : goto mark_lte }", NftText.Table(plan.Nft));
        Assert.Contains("meta nfproto ipv4 numgen inc mod 1 vmap { 0 : goto mark_a }", NftText.Table(plan.Nft));
    }

    [Fact]
    public void Without_tiers_the_plan_and_its_text_are_as_before()
    {
        var flat = Tiered().Replace(", tier: 2", "");
        var plan = Planner.Plan(Model(flat), new HashSet<string>());
        var text = PlanFormatter.Text(plan, Model(flat));

        Assert.DoesNotContain("TIER", text);
        Assert.DoesNotContain("tier", NftText.Table(plan.Nft));
        Assert.All(plan.Uplinks, u => Assert.True(u.InUse));
    }

    [Fact]
    public void Plan_json_carries_tier_use_and_failback()
    {
        var model = Model(Tiered() + "failback: move\nfailback-hold: 90s\n");
        var json = System.Text.Json.Nodes.JsonNode.Parse(PlanFormatter.Json(Planner.Plan(model, new HashSet<string>()), model))!;

        Assert.Equal("move", (string?)json["failback"]);
        Assert.Equal(90.0, (double)json["failbackHoldSeconds"]!);
        var lte = json["uplinks"]!.AsArray().Single(u => (string?)u!["name"] == "lte")!;
        Assert.Equal(2, (int)lte["tier"]!);
        Assert.False((bool)lte["inUse"]!);
        Assert.True((bool)lte["reserve"]!);
    }
}
