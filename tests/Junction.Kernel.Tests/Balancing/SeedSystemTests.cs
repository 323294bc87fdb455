using Junction.Lab;

namespace Junction.Kernel.Tests.Balancing;

/// <summary>
/// The two systems Junction started from, in a real namespace lab: real TCP connections
/// through a router whose nftables, rules and routes Junction programmed.
/// </summary>
public sealed class SeedSystemTests
{
    [Fact]
    public async Task Two_uplinks_round_robin_split_a_thousand_connections_from_one_client_to_one_server_evenly()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2 });
        lab.Apply(lab.Config("lan: [lan]", [1, 1]));

        var counts = lab.PerUplink(await lab.Connect(1000));

        Assert.Equal(0, counts[0]);
        Assert.InRange(counts[1], 495, 505);
        Assert.InRange(counts[2], 495, 505);
    }

    [Fact]
    public async Task Weights_one_two_three_give_their_shares_within_one_point()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 3 });
        lab.Apply(lab.Config("lan: [lan]", [1, 2, 3]));

        var counts = lab.PerUplink(await lab.Connect(1200));

        Assert.Equal(0, counts[0]);
        for (var i = 1; i <= 3; i++)
            Assert.InRange(counts[i] / 1200.0 * 100, i / 6.0 * 100 - 1, i / 6.0 * 100 + 1);
    }

    [Fact]
    public async Task A_long_lived_connection_stays_on_its_uplink_for_its_whole_life()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2 });
        lab.Apply(lab.Config("lan: [lan]", [1, 1]));

        await using var held = await lab.Hold(20);
        var before = lab.ConntrackMarks();
        Assert.Equal(new[] { 0, 10, 10 }, lab.PerUplink(held.Outcomes));

        // Other connections keep the round-robin turning while the held ones carry data.
        for (var round = 0; round < 3; round++)
        {
            lab.PerUplink(await lab.Connect(50));
            Assert.All(await held.EchoAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken), Assert.True);
        }

        var after = lab.ConntrackMarks();
        foreach (var o in held.Outcomes)
            Assert.Equal(before[o.Local!.Port], after[o.Local!.Port]);
    }

    [Fact]
    public async Task The_routers_own_connections_spread_round_robin_over_an_snat_pool_of_three()
    {
        // The ISP routes instead of masquerading, so the server sees the router's source address.
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 1, IspMasquerade = false });
        var pool = lab.Topology.WanExtraAddresses(1);
        Assert.Equal(3, pool.Count);
        lab.Apply(lab.Config("local: true", [1],
            _ => $"    snat: {{ addresses: [{string.Join(", ", pool)}], spread: round-robin }}"));

        var outcomes = await lab.ConnectFromRouter(999);

        Assert.All(outcomes, o => Assert.True(o.Ok, o.Error));
        var bySource = outcomes.GroupBy(o => o.Seen!.Address).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(pool.Select(a => a.ToString()).Order(), bySource.Keys.Select(a => a.ToString()).Order());
        Assert.All(bySource.Values, n => Assert.InRange(n, 330, 336));
    }

    [Fact]
    public async Task Hash_source_keeps_each_client_on_one_uplink_and_spreads_many_clients()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2, ExtraClientAddresses = LabOptions.MaxExtraClientAddresses });
        lab.Apply(lab.Config("lan: [lan]\nbalance: hash-source", [1, 1]));
        var sources = lab.Topology.ClientExtraAddresses(1);

        // Each of the 250 "clients" opens four connections.
        var outcomes = await lab.Connect(sources.Count * 4, sources: sources);

        Assert.All(outcomes, o => Assert.True(o.Ok, o.Error));
        var uplinksPerClient = outcomes.GroupBy(o => o.Local!.Address)
            .ToDictionary(g => g.Key, g => g.Select(o => lab.Topology.UplinkOf(o.Seen!.Address)).Distinct().ToList());
        Assert.All(uplinksPerClient.Values, u => Assert.Single(u));
        var clientsOnIsp1 = uplinksPerClient.Values.Count(u => u[0] == 1);
        // A hash of 250 addresses: within 8 points of an even split (binomial sd is 3.2 points).
        Assert.InRange(clientsOnIsp1 / (double)sources.Count * 100, 42, 58);
    }
}
