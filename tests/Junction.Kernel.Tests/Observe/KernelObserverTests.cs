using Junction.Kernel.Tests.Balancing;
using Junction.Lab;
using Junction.Linux.Observe;

namespace Junction.Kernel.Tests.Observe;

/// <summary>
/// The figures status and metrics report, read from a lab router after real connections:
/// checked against what the lab's server saw and against conntrack's own per-mark filter.
/// </summary>
public sealed class KernelObserverTests
{
    [Fact]
    public async Task Counters_and_conntrack_counts_by_mark_match_the_connections_opened()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 3 });
        lab.Apply(lab.Config("lan: [lan]", [1, 2, 1]));
        var observer = new KernelObserver(lab.Lab.Network.Router);
        var mask = lab.Model!.Marks.Mask;
        var names = lab.Model.Uplinks.Select(u => u.Name).ToList();
        var before = observer.Read(mask, names);
        Assert.Empty(before.Errors);

        await using var held = await lab.Hold(40);
        var seen = lab.PerUplink(held.Outcomes);
        Assert.Equal(new[] { 0, 10, 20, 10 }, seen);

        var figures = observer.Read(mask, names);
        Assert.Empty(figures.Errors);
        for (var i = 1; i <= 3; i++)
        {
            var mark = lab.Model.Marks.Value(i);
            Assert.Equal(seen[i], figures.NewConnectionCounters[$"isp{i}"]);
            var live = figures.Connections.Where(c => c.Mark == mark).Sum(c => c.Count);
            Assert.Equal(seen[i], live);
            // conntrack's own filter agrees (its count goes to stderr with the "flow entries" line).
            var own = lab.Lab.Network.Router.Run("conntrack", "-L", "--mark", $"{mark}/{mask}").Stderr;
            Assert.Contains($"{seen[i]} flow entries", own);
            // Every connection on uplink i leaves with the router's wanI address (masquerade).
            Assert.Equal(lab.Topology.WanAddress(i).ToString(), Assert.Single(figures.Connections, c => c.Mark == mark).SeenSource);
            Assert.True(figures.Interfaces[$"wan{i}"].Transmit > before.Interfaces[$"wan{i}"].Transmit);
        }
    }

    [Fact]
    public async Task Uplinks_whose_names_are_not_chain_names_are_counted_by_name()
    {
        // 'isp-1' lives in chain mark_isp_1: the count reaches the uplink through the planner's chain name.
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 3 });
        string[] names = ["isp-1", "fiber-two", "lte3"];
        var yaml = lab.Config("lan: [lan]", [1, 1, 1]);
        for (var i = 1; i <= 3; i++) yaml = yaml.Replace($"name: isp{i}", $"name: {names[i - 1]}", StringComparison.Ordinal);
        lab.Apply(yaml);

        await using var held = await lab.Hold(30);
        var seen = lab.PerUplink(held.Outcomes);

        var figures = new KernelObserver(lab.Lab.Network.Router).Read(lab.Model!.Marks.Mask, lab.Model.Uplinks.Select(u => u.Name));
        Assert.Empty(figures.Errors);
        Assert.Equal(names.Order(), figures.NewConnectionCounters.Keys.Order());
        for (var i = 1; i <= 3; i++)
            Assert.Equal(seen[i], figures.NewConnectionCounters[names[i - 1]]);
        Assert.Equal(30, figures.NewConnectionCounters.Values.Sum());
    }

    [Fact]
    public async Task Pool_addresses_are_counted_per_address()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2, ExtraWanAddresses = 3 });
        var pool = lab.Topology.WanExtraAddresses(2);
        lab.Apply(lab.Config("lan: [lan]", [1, 1],
            i => i == 2 ? $"    snat: {{ addresses: [{string.Join(", ", pool)}] }}" : ""));
        await using var held = await lab.Hold(24);
        Assert.Equal(new[] { 0, 12, 12 }, lab.PerUplink(held.Outcomes));

        var figures = new KernelObserver(lab.Lab.Network.Router).Read(lab.Model!.Marks.Mask, lab.Model.Uplinks.Select(u => u.Name));
        var mark = lab.Model.Marks.Value(2);
        foreach (var address in pool)
            Assert.Equal(4, figures.Connections.Single(c => c.Mark == mark && c.SeenSource == address.ToString()).Count);
    }

    [Fact]
    public void Without_junctions_table_there_are_no_counters_and_no_error()
    {
        using var ns = Support.TestNamespace.Create();
        var figures = new KernelObserver(ns.Runner).Read(0x00ff0000, ["isp1"]);
        Assert.Empty(figures.NewConnectionCounters);
        Assert.Empty(figures.Errors);
        Assert.Contains("lo", figures.Interfaces.Keys);
    }
}
