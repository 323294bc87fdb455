using System.Net;
using Junction.Lab;

namespace Junction.Kernel.Tests.Lab;

/// <summary>The lab's naming and addressing: pure, no kernel needed.</summary>
public sealed class LabTopologyTests
{
    private static readonly LabTopology Three = new(new LabOptions { Prefix = "jx", Uplinks = 3, Clients = 2 });

    [Theory]
    [InlineData("10.200.1.1", 1)]
    [InlineData("10.200.3.1", 3)]
    [InlineData("10.100.2.2", 2)]
    [InlineData("10.100.2.5", 2)]
    [InlineData("10.200.4.1", null)]
    [InlineData("10.200.1.2", null)]
    [InlineData("10.9.0.11", null)]
    [InlineData("198.51.100.10", null)]
    public void UplinkOf_names_the_isp_from_the_source_the_server_saw(string seen, int? uplink) =>
        Assert.Equal(uplink, Three.UplinkOf(IPAddress.Parse(seen)));

    [Fact]
    public void Names_fit_and_say_where_they_live()
    {
        Assert.Equal(["jx-router", "jx-server", "jx-isp1", "jx-isp2", "jx-isp3", "jx-c1", "jx-c2"], Three.Namespaces);
        Assert.Equal("wan3", Three.WanInterface(3));
        Assert.Equal(IPAddress.Parse("10.9.0.12"), Three.ClientAddress(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Three.WanInterface(4));
    }

    [Theory]
    [InlineData("jx-router", true)]
    [InlineData("jx-isp12", true)]
    [InlineData("jx-c3", true)]
    [InlineData("jx-router2", true)]
    [InlineData("jx-lan", true)]
    [InlineData("jxy-router", false)]
    [InlineData("jx-other", false)]
    [InlineData("jx-x-router", false)]
    public void A_lab_owns_only_its_own_namespaces(string name, bool owned) =>
        Assert.Equal(owned, LabTopology.IsLabNamespace("jx", name));

    [Fact]
    public void An_ha_lab_has_a_second_router_a_lan_switch_and_virtual_addresses()
    {
        var t = new LabTopology(HaLabBuilder.Options(new LabOptions { Prefix = "jx", Uplinks = 2 }));
        Assert.Equal(["jx-router", "jx-router2", "jx-lan", "jx-server", "jx-isp1", "jx-isp2", "jx-c1"], t.Namespaces);
        Assert.Equal(IPAddress.Parse("10.100.2.3"), t.WanAddressOf(2, 2));
        Assert.Equal(IPAddress.Parse("10.100.2.10"), t.WanVirtualAddress(2));
        Assert.Equal(2, t.UplinkOf(t.WanVirtualAddress(2)));
        Assert.Equal(IPAddress.Parse("10.254.0.2"), t.SyncAddress(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.RouterNamespaceOf(3));
        Assert.NotEmpty(new LabOptions { Ha = true }.Problems());   // masquerading ISPs and extra addresses do not fit a pair
        Assert.Empty(HaLabBuilder.Options(new LabOptions()).Problems());
    }

    [Fact]
    public void Options_report_every_problem()
    {
        var problems = new LabOptions { Prefix = "Bad-Prefix", Uplinks = 0, Clients = 99 }.Problems();
        Assert.Equal(3, problems.Count);
    }

    [Fact]
    public void Up_to_sixty_four_uplinks_each_with_its_own_addresses()
    {
        Assert.Empty(new LabOptions { Uplinks = 64 }.Problems());
        Assert.Single(new LabOptions { Uplinks = 65 }.Problems());
        var wide = new LabTopology(new LabOptions { Prefix = "jx", Uplinks = 64 });
        Assert.Equal("10.100.64.2", wide.WanAddress(64).ToString());
        Assert.Equal(64, wide.UplinkOf(IPAddress.Parse("10.200.64.1")));
    }
}
