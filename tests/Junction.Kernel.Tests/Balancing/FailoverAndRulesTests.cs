using System.Net;
using Junction.Lab;

namespace Junction.Kernel.Tests.Balancing;

/// <summary>Health, inbound connections, bypass and pin, and re-applies, against the real kernel.</summary>
public sealed class FailoverAndRulesTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_unhealthy_uplink_gets_no_new_connections_while_the_others_established_ones_survive()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 3 });
        var yaml = lab.Config("lan: [lan]", [1, 1, 1]);
        lab.Apply(yaml);
        await using var held = await lab.Hold(30);
        Assert.Equal(new[] { 0, 10, 10, 10 }, lab.PerUplink(held.Outcomes));

        lab.Apply(yaml, "isp2");
        var counts = lab.PerUplink(await lab.Connect(300));

        Assert.Equal(new[] { 0, 150, 0, 150 }, counts);
        var alive = await held.EchoAsync(TimeSpan.FromSeconds(5), Cancel);
        for (var k = 0; k < held.Outcomes.Count; k++)
            if (lab.Topology.UplinkOf(held.Outcomes[k].Seen!.Address) != 2)
                Assert.True(alive[k], $"connection {k} on a healthy uplink was disturbed");
    }

    [Fact]
    public async Task With_every_uplink_unhealthy_traffic_follows_the_main_table()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2 });
        lab.Apply(lab.Config("lan: [lan]", [1, 1]), "isp1", "isp2");

        // The lab router's main default route is via ISP 1.
        Assert.Equal(new[] { 0, 40, 0 }, lab.PerUplink(await lab.Connect(40)));
    }

    [Fact]
    public async Task A_connection_arriving_on_an_uplink_is_answered_through_that_uplink()
    {
        // ISPs route (no NAT) and ISP 1 drops packets from ISP 2's customer network, as an
        // ISP with source-address validation would: a reply leaving by the main default route
        // (ISP 1) would be lost, so the connection succeeds only if it returns via ISP 2.
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2, IspMasquerade = false });
        var isp1 = lab.Lab.Network.Isp(1);
        isp1.Run("nft", ["-f", "-"], "table inet bcp38 {\n chain forward { type filter hook forward priority 0; ip saddr 10.100.2.0/24 drop; }\n}\n").Check();
        lab.Apply(lab.Config("lan: [lan]", [1, 1]));

        var routerWan2 = new IPEndPoint(lab.Topology.WanAddress(2), 7100);
        await using var service = LabServer.Start(routerWan2, lab.Topology.RouterNamespace);
        var outcomes = await ConnectionDriver.RunAsync(new ConnectOptions
        {
            Namespace = lab.Topology.ServerNamespace,
            Server = routerWan2,
            Count = 20,
            Timeout = TimeSpan.FromSeconds(3),
        }, Cancel);

        Assert.All(outcomes, o => Assert.True(o.Ok, o.Error));
        Assert.Equal(20, service.Accepted);
    }

    [Fact]
    public async Task The_routers_own_connections_that_do_not_leave_by_an_uplink_are_not_balanced()
    {
        // Like a tunnel's carrier traffic to its far end through the physical link: the
        // main table sends these out of a non-uplink interface (here the LAN), so they
        // must get no uplink mark, or they would be re-routed into an uplink.
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2 });
        lab.Apply(lab.Config("local: true\nlan: [lan]", [1, 1]));
        var onLan = new IPEndPoint(lab.Topology.ClientAddress(1), 7100);
        await using var service = LabServer.Start(onLan, lab.Topology.ClientNamespace(1));

        var outcomes = await ConnectionDriver.RunAsync(new ConnectOptions
        {
            Namespace = lab.Topology.RouterNamespace,
            Server = onLan,
            Count = 10,
        }, Cancel);

        Assert.All(outcomes, o => Assert.True(o.Ok, o.Error));
        var entries = lab.Lab.Network.Router.Run("conntrack", "-L", "-p", "tcp", "--dport", "7100").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, entries.Length);
        Assert.All(entries, e => Assert.Contains("mark=0 ", e));
        // ... while its connections to the internet still are.
        Assert.Equal(new[] { 0, 10, 10 }, lab.PerUplink(await lab.ConnectFromRouter(20)));
    }

    [Fact]
    public async Task Bypass_destinations_follow_the_main_table()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2 });
        lab.Apply(lab.Config($"lan: [lan]\nbypass: [{LabTopology.ServiceAddress}/32]", [1, 1]));

        Assert.Equal(new[] { 0, 30, 0 }, lab.PerUplink(await lab.Connect(30)));
    }

    [Fact]
    public async Task Pinned_connections_always_use_their_uplink_and_the_rest_are_balanced()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2, Clients = 2 });
        var yaml = lab.Config("lan: [lan]", [1, 1]) +
            $"pin:\n  - {{ from: {lab.Topology.ClientAddress(2)}, protocol: tcp, port: {LabTopology.ServicePort}, via: isp2 }}\n";
        lab.Apply(yaml);

        Assert.Equal(new[] { 0, 0, 30 }, lab.PerUplink(await lab.Connect(30, client: 2)));
        Assert.Equal(new[] { 0, 15, 15 }, lab.PerUplink(await lab.Connect(30, client: 1)));
    }

    [Fact]
    public async Task Reapplying_with_changed_weights_resets_no_established_connection()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2 });
        lab.Apply(lab.Config("lan: [lan]", [1, 1]));
        await using var held = await lab.Hold(40);
        var before = lab.ConntrackMarks();

        var result = lab.Apply(lab.Config("lan: [lan]", [3, 1]));
        Assert.False(result.NoChanges);

        Assert.All(await held.EchoAsync(TimeSpan.FromSeconds(5), Cancel), Assert.True);
        var after = lab.ConntrackMarks();
        foreach (var o in held.Outcomes)
            Assert.Equal(before[o.Local!.Port], after[o.Local!.Port]);
        // New connections follow the new weights.
        Assert.Equal(new[] { 0, 300, 100 }, lab.PerUplink(await lab.Connect(400)));
    }

    [Fact]
    public async Task Adding_an_uplink_keeps_every_established_connection_on_its_uplink()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 3 });
        lab.Apply(lab.Config("lan: [lan]", [1, 1]));
        await using var held = await lab.Hold(20);

        lab.Apply(lab.Config("lan: [lan]", [1, 1, 1]));

        Assert.All(await held.EchoAsync(TimeSpan.FromSeconds(5), Cancel), Assert.True);
        Assert.Equal(new[] { 0, 20, 20, 20 }, lab.PerUplink(await lab.Connect(60)));
    }
}
