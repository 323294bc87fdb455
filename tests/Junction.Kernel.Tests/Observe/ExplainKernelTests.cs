using Junction.Explain;
using Junction.Kernel.Tests.Balancing;
using Junction.Lab;

namespace Junction.Kernel.Tests.Observe;

/// <summary>
/// Explain's answers against the kernel's: the uplink it computes for hash modes (with its
/// own jhash) is the one the kernel marked, for every source.
/// </summary>
public sealed class ExplainKernelTests
{
    [Theory]
    [InlineData("hash-source")]
    [InlineData("hash-source-destination")]
    public async Task The_computed_hash_pick_is_the_uplink_the_kernel_chose(string balance)
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 3, ExtraClientAddresses = 60 });
        lab.Apply(lab.Config($"lan: [lan]\nbalance: {balance}", [1, 2, 3]));
        var sources = lab.Topology.ClientExtraAddresses(1);
        var outcomes = await lab.Connect(sources.Count, sources: sources);
        var perUplink = lab.PerUplink(outcomes);
        Assert.True(perUplink.Count(n => n > 0) == 3, $"60 sources should reach all three uplinks: {string.Join(",", perUplink)}");

        foreach (var o in outcomes)
        {
            var query = ConnectionQuery.Parse($"tcp {lab.Topology.Service} from {o.Local!.Address}");
            var e = Explainer.WouldBe(lab.Model!, new HashSet<string>(), query);
            Assert.Equal(Decision.Balanced, e.Decision);
            Assert.Equal($"isp{lab.Topology.UplinkOf(o.Seen!.Address)}", e.Uplink);
        }
    }
}
