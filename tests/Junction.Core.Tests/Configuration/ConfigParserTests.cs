using Junction.Model;
using Junction.Tests;

namespace Junction.Configuration.Tests;

public sealed class ConfigParserTests
{
    [Theory]
    [InlineData("vpn-round-robin.yaml")]
    [InlineData("snat-pool.yaml")]
    [InlineData("full.yaml")]
    [InlineData("hash-source.yaml")]
    [InlineData("backup-lte.yaml")]
    public void Every_example_is_valid(string file)
    {
        var (model, errors) = ConfigLoader.TryLoadText(File.ReadAllText(Repo.Path("examples", file)), file);
        Assert.Empty(errors);
        Assert.NotNull(model);
    }

    [Fact]
    public void Seed_system_one_is_two_tunnels_round_robin_for_the_lan()
    {
        var model = ConfigLoader.LoadText(File.ReadAllText(Repo.Path("examples", "vpn-round-robin.yaml")), "x");
        Assert.Equal(["lan"], model.Lan);
        Assert.Equal(BalanceMode.RoundRobin, model.Balance);
        Assert.Equal([("vpna", "tun0"), ("vpnb", "tun1")], model.Uplinks.Select(u => (u.Name, u.Interface)));
        Assert.All(model.Uplinks, u => Assert.Null(u.Gateway4));
    }

    [Fact]
    public void Seed_system_two_is_a_pool_of_three_for_local_connections()
    {
        var model = ConfigLoader.LoadText(File.ReadAllText(Repo.Path("examples", "snat-pool.yaml")), "x");
        Assert.Empty(model.Lan);
        Assert.True(model.Local);
        var pool = Assert.Single(model.Uplinks).Snat;
        Assert.Equal(SnatMode.Pool, pool.Mode);
        Assert.Equal(3, pool.Pool.Count);
        Assert.Equal(PoolSpread.RoundRobin, pool.Spread);
    }

    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var model = ConfigLoader.LoadText("uplinks:\n  - { name: a, interface: eth1, gateway: 192.0.2.1 }\n", "x");
        Assert.True(model.Local);
        Assert.Equal(BalanceMode.RoundRobin, model.Balance);
        Assert.Equal(0x00ff0000u, model.Marks.Mask);
        Assert.Equal(1000u, model.Marks.TableBase);
        Assert.Equal(1000, model.Marks.RulePriority);
        var u = Assert.Single(model.Uplinks);
        Assert.Equal(1, u.Weight);
        Assert.Equal(1, u.Id);
        Assert.Equal(SnatMode.Masquerade, u.Snat.Mode);
        Assert.Equal(Families.IPv4, u.Families);
    }

    [Fact]
    public void A_single_value_is_accepted_where_a_list_is_expected()
    {
        var model = ConfigLoader.LoadText("lan: lan0\nbypass: 10.0.0.0/8\nuplinks:\n  - { name: a, interface: eth1 }\n", "x");
        Assert.Equal(["lan0"], model.Lan);
        Assert.Single(model.Bypass);
    }

    [Fact]
    public void A_probe_section_is_accepted_for_the_health_monitor()
    {
        var (_, errors) = ConfigLoader.TryLoadText("uplinks:\n  - name: a\n    interface: eth1\n    probe:\n      targets: [192.0.2.9]\n", "x");
        Assert.Empty(errors);
    }

    [Fact]
    public void Dual_stack_uplink_with_gateway6_carries_both_families()
    {
        var model = ConfigLoader.LoadText(
            "uplinks:\n  - { name: a, interface: eth1, gateway: 192.0.2.1, gateway6: '2001:db8::1' }\n", "x");
        Assert.Equal(Families.Dual, model.Uplinks[0].Families);
    }
}
