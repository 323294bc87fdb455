using Junction.Lab;

namespace Junction.Kernel.Tests.Balancing;

/// <summary>Tiers in the applied table, per balance mode, against the real kernel.</summary>
public sealed class TierBalancingTests
{
    [Theory]
    [InlineData("random")]
    [InlineData("hash-source")]
    public async Task The_reserve_tier_gets_no_new_connections_until_every_better_uplink_is_down(string balance)
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 3, ExtraClientAddresses = 60 });
        var yaml = lab.Config($"lan: [lan]\nbalance: {balance}", [1, 1, 5], i => i == 3 ? "    tier: 2" : "");
        var sources = lab.Topology.ClientExtraAddresses(1);

        lab.Apply(yaml);
        var counts = lab.PerUplink(await lab.Connect(120, sources: sources));
        Assert.Equal(0, counts[3]);
        Assert.True(counts[1] > 0 && counts[2] > 0, $"tier 1 split {string.Join("/", counts)}");

        lab.Apply(yaml, "isp1");
        Assert.Equal(new[] { 0, 0, 60, 0 }, lab.PerUplink(await lab.Connect(60, sources: sources)));

        lab.Apply(yaml, "isp1", "isp2");
        Assert.Equal(new[] { 0, 0, 0, 60 }, lab.PerUplink(await lab.Connect(60, sources: sources)));
    }

    [Fact]
    public async Task In_hash_mode_a_failed_tier_1_uplink_moves_only_its_own_clients_and_none_to_the_reserve()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 4, ExtraClientAddresses = 60 });
        var yaml = lab.Config("lan: [lan]\nbalance: hash-source", [1, 1, 1, 1], i => i == 4 ? "    tier: 2" : "");
        var sources = lab.Topology.ClientExtraAddresses(1);

        lab.Apply(yaml);
        var before = UplinkBySource(lab, await lab.Connect(sources.Count, sources: sources));
        lab.Apply(yaml, "isp1");
        var after = UplinkBySource(lab, await lab.Connect(sources.Count, sources: sources));

        Assert.DoesNotContain(4, before.Values);
        Assert.DoesNotContain(4, after.Values);
        Assert.DoesNotContain(1, after.Values);
        Assert.Contains(1, before.Values);
        foreach (var (source, uplink) in before)
            if (uplink != 1) Assert.Equal(uplink, after[source]);
    }

    private static Dictionary<System.Net.IPAddress, int> UplinkBySource(BalancedLab lab, IReadOnlyList<ConnectionOutcome> outcomes)
    {
        Assert.All(outcomes, o => Assert.True(o.Ok, o.Error));
        return outcomes.GroupBy(o => o.Local!.Address).ToDictionary(g => g.Key, g => lab.Topology.UplinkOf(g.First().Seen!.Address) ?? 0);
    }
}
