using System.Net;
using Junction.Lab;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Lab;

public sealed class LabNetworkTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Up_builds_every_namespace_with_its_interfaces_and_addresses()
    {
        await using var lab = TestLab.Start(new LabOptions { Uplinks = 3, Clients = 2 });
        var t = lab.Topology;

        Assert.Equal(t.Namespaces.Order(), LabNetwork.NamespacesOf(t.Prefix));
        var router = lab.Network.Router.Check("ip", "-br", "-4", "addr", "show");
        Assert.Contains("10.9.0.1/24", router);
        for (var i = 1; i <= 3; i++)
        {
            var wan = lab.Network.Router.Check("ip", "-br", "-4", "addr", "show", "dev", $"wan{i}");
            Assert.Contains($"10.100.{i}.2/24 10.100.{i}.3/24 10.100.{i}.4/24 10.100.{i}.5/24", wan);
        }
        Assert.Contains($"default via 10.100.1.1 dev wan1", lab.Network.Router.Check("ip", "route", "show", "default"));
        Assert.Contains("198.51.100.10/32", lab.Network.Server.Check("ip", "-br", "-4", "addr", "show", "dev", "lo"));
        Assert.Contains("10.9.0.12/24", lab.Network.Client(2).Check("ip", "-br", "-4", "addr", "show", "dev", "eth0"));
    }

    [Fact]
    public async Task With_plain_routing_every_connection_leaves_by_isp1()
    {
        await using var lab = TestLab.Start();

        var outcomes = await ConnectionDriver.RunAsync(lab.From(client: 1, count: 20), Cancel);

        Assert.All(outcomes, o => Assert.True(o.Ok, o.Error));
        Assert.All(outcomes, o => Assert.Equal(IPAddress.Parse("10.200.1.1"), o.Seen!.Address));
        Assert.Equal([0, 20, 0], lab.PerUplink(outcomes));
        Assert.All(outcomes, o => Assert.Equal(lab.Topology.ClientAddress(1), o.Local!.Address));
    }

    [Fact]
    public async Task Moving_the_routers_default_route_to_isp2_moves_connections_to_isp2()
    {
        await using var lab = TestLab.Start();

        lab.Network.Router.Check("ip", "route", "replace", "default", "via", "10.100.2.1", "dev", "wan2");
        var outcomes = await ConnectionDriver.RunAsync(lab.From(client: 1, count: 10), Cancel);

        Assert.All(outcomes, o => Assert.True(o.Ok, o.Error));
        Assert.Equal([0, 0, 10], lab.PerUplink(outcomes));
    }

    [Fact]
    public async Task Long_lived_connections_stay_open_and_carry_data()
    {
        await using var lab = TestLab.Start();

        await using var held = await ConnectionDriver.OpenAsync(lab.From(client: 1, count: 10), Cancel);
        Assert.All(held.Outcomes, o => Assert.True(o.Ok, o.Error));
        Assert.Equal(10, lab.Server.Open);

        // Outlive the opening by a moment, and prove both directions still work (twice).
        await Task.Delay(TimeSpan.FromSeconds(1), Cancel);
        Assert.All(await held.EchoAsync(TimeSpan.FromSeconds(5), Cancel), Assert.True);
        Assert.All(await held.EchoAsync(TimeSpan.FromSeconds(5), Cancel), Assert.True);
        Assert.Equal(10, lab.Server.Open);
    }

    [Fact]
    public async Task One_client_can_stand_for_many_by_its_extra_source_addresses()
    {
        await using var lab = TestLab.Start(new LabOptions { ExtraClientAddresses = 20 });
        var sources = lab.Topology.ClientExtraAddresses(1);

        var outcomes = await ConnectionDriver.RunAsync(lab.From(client: 1, count: 40) with { Sources = sources }, Cancel);

        Assert.All(outcomes, o => Assert.True(o.Ok, o.Error));
        Assert.Equal(sources.Concat(sources), outcomes.Select(o => o.Local!.Address));
        Assert.Equal([0, 40, 0], lab.PerUplink(outcomes));
    }

    [Fact]
    public async Task Without_isp_nat_the_server_sees_the_routers_own_source_address()
    {
        await using var lab = TestLab.Start(new LabOptions { IspMasquerade = false });

        // Plays Junction's SNAT pool role by hand: the router sources everything from 10.100.1.4.
        lab.Network.Router.Run("nft", ["-f", "-"], stdin: """
            table ip t {
                chain post {
                    type nat hook postrouting priority srcnat;
                    oifname "wan1" snat to 10.100.1.4
                }
            }
            """ + "\n").Check();
        var outcomes = await ConnectionDriver.RunAsync(lab.From(client: 1, count: 5), Cancel);

        Assert.All(outcomes, o => Assert.True(o.Ok, o.Error));
        Assert.All(outcomes, o => Assert.Equal(IPAddress.Parse("10.100.1.4"), o.Seen!.Address));
        Assert.Equal([0, 5, 0], lab.PerUplink(outcomes));
    }

    [Fact]
    public async Task Building_a_lab_leaves_the_root_namespace_untouched()
    {
        TestLab.SkipUnlessNamespaces();
        string[] Root() =>
        [
            CommandRunner.Current.Check("ip", "-br", "link"),
            CommandRunner.Current.Check("ip", "-br", "addr"),
            CommandRunner.Current.Check("ip", "route", "show", "table", "all"),
            CommandRunner.Current.Check("ip", "rule"),
        ];
        var before = Root();

        await using (var lab = TestLab.Start(new LabOptions { Uplinks = 2, Clients = 2, ExtraClientAddresses = 3 }))
        {
            Assert.Equal(before, Root());
            await ConnectionDriver.RunAsync(lab.From(client: 1, count: 3), Cancel);
        }
        Assert.Equal(before, Root());
    }

    [Fact]
    public async Task Discover_finds_a_running_lab_by_its_namespaces()
    {
        await using var lab = TestLab.Start(new LabOptions { Uplinks = 3, Clients = 2 });

        var found = LabNetwork.Discover(lab.Topology.Prefix);

        Assert.NotNull(found);
        Assert.Equal((3, 2), (found.Uplinks, found.Clients));
        Assert.Null(LabNetwork.Discover(TestLab.UniquePrefix()));
    }

    [Fact]
    public async Task Down_removes_every_namespace_and_can_run_again()
    {
        var lab = TestLab.Start(new LabOptions { Clients = 2 });
        var prefix = lab.Topology.Prefix;
        try
        {
            Assert.NotEmpty(LabNetwork.NamespacesOf(prefix));

            var removed = LabNetwork.Down(prefix);

            Assert.Equal(lab.Topology.Namespaces.Order(), removed);
            Assert.Empty(LabNetwork.NamespacesOf(prefix));
            Assert.False(Directory.Exists(LabNetwork.StateDirectoryOf(prefix)));
            Assert.Empty(LabNetwork.Down(prefix));
        }
        finally
        {
            await lab.DisposeAsync();
        }
    }

    [Fact]
    public async Task Up_replaces_a_stale_lab_with_the_same_prefix()
    {
        TestLab.SkipUnlessNamespaces();
        var prefix = TestLab.UniquePrefix();
        try
        {
            LabNetwork.Up(new LabOptions { Prefix = prefix, Clients = 3 });
            using var lab = LabNetwork.Up(new LabOptions { Prefix = prefix, Clients = 1 });
            Assert.Equal(lab.Topology.Namespaces.Order(), LabNetwork.NamespacesOf(prefix));

            await using var server = LabServer.Start(lab.Topology);
            var outcomes = await ConnectionDriver.RunAsync(new ConnectOptions { Namespace = lab.Topology.ClientNamespace(1), Server = lab.Topology.Service }, Cancel);
            Assert.True(outcomes[0].Ok, outcomes[0].Error);
        }
        finally
        {
            LabNetwork.Down(prefix);
        }
    }
}
