using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Linux.Apply.Routing;
using Junction.Linux.Netlink;
using Junction.Model;

namespace Junction.Kernel.Tests.Apply;

/// <summary>Rules and routes written over rtnetlink read back equal to what was planned, and as iproute2 shows them.</summary>
public sealed class RoutingRoundTripTests
{
    [Fact]
    public void What_apply_adds_is_read_back_equal_both_families()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var plan = Configs.Plan(Configs.ThreeUplinks);
        new KernelApplier(ns.Runner).Apply(plan);

        using var client = RtnetlinkClient.Open(ns.Name);
        var dumps = RoutingDump.ReadBoth(client);
        var owner = Ownership.For(plan);
        var rules = dumps.SelectMany(d => d.OwnedRules(owner.OwnsPriority)).ToList();
        var routes = dumps.SelectMany(d => d.OwnedRoutes(owner.OwnsTable)).ToList();

        Assert.Equal(plan.Rules.Select(IpRule.From).OrderBy(r => r.Arguments), rules.OrderBy(r => r.Arguments));
        Assert.Equal(plan.Routes.Select(r => IpRoute.From(r).Key).Order(), routes.Select(r => r.Key).Order());
        Assert.Contains(plan.Rules, r => r.Family == Families.IPv6);
        // iproute2 lists the same rules and routes the plan prints as commands.
        var listed = ns.Run("ip", "rule") + ns.Run("ip", "-6", "rule");
        foreach (var rule in plan.Rules.Where(r => r.FwMark is not null))
            Assert.Contains($"fwmark 0x{rule.FwMark:x}/0x{rule.Mask:x} lookup {rule.Table}", listed);
        foreach (var route in plan.Routes)
            Assert.Contains($"dev {route.Device}", ns.Run("ip", route.Family == Families.IPv6 ? "-6" : "-4", "route", "show", "table", $"{route.Table}"));
    }
}
