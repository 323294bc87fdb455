using System.Net;
using Junction.Configuration;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Linux.Apply.Routing;
using Junction.Linux.Apply.Sysctls;
using Junction.Linux.Netlink;
using Junction.Planning;
using Junction.Tests;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// What <c>junction plan</c> prints is what <c>apply</c> installs: for every example, the ip
/// rules, routes and sysctls read back from the kernel of a namespace after an apply are
/// exactly the plan's records, and spell exactly the commands the plan prints.
/// </summary>
public sealed class PlanInstalledTests
{
    public static TheoryData<string> Examples() =>
        new(Directory.GetFiles(Repo.Path("examples"), "*.yaml").Select(Path.GetFileName).OfType<string>().Order());

    [Theory]
    [MemberData(nameof(Examples))]
    public void The_kernel_holds_the_rules_routes_and_sysctls_the_plan_prints(string example)
    {
        var model = ConfigLoader.Load(Repo.Path("examples", example));
        using var ns = TestNamespace.Create();
        // Each uplink's interface, up, with an address next to its gateways so the routes go in.
        foreach (var u in model.Uplinks)
            ns.Interface(u.Interface, [.. new[] { u.Gateway4, u.Gateway6 }.OfType<IPAddress>().Select(Neighbour)]);
        var plan = Planner.Plan(model);

        new KernelApplier(ns.Runner).Apply(plan);

        using var client = RtnetlinkClient.Open(ns.Name);
        var dumps = RoutingDump.ReadBoth(client);
        var owner = Ownership.For(plan);
        var rules = dumps.SelectMany(d => d.OwnedRules(owner.OwnsPriority)).ToList();
        var routes = dumps.SelectMany(d => d.OwnedRoutes(owner.OwnsTable)).ToList();
        // Nothing in Junction's ranges that is not one of the plan's records.
        Assert.All(rules, r => Assert.NotNull(r.Spec));
        Assert.All(routes, r => Assert.NotNull(r.Spec));
        Assert.Equal(plan.Rules.Select(r => r.ToString()).Order(), rules.Select(r => r.Spec!.ToString()).Order());
        Assert.Equal(plan.Rules.ToHashSet(), rules.Select(r => r.Spec!).ToHashSet());
        Assert.Equal(plan.Rules.Count, rules.Count);
        Assert.Equal(plan.Routes.Select(r => r.ToString()).Order(), routes.Select(r => r.Spec!.ToString()).Order());
        Assert.Equal(plan.Routes.ToHashSet(), routes.Select(r => r.Spec!).ToHashSet());
        Assert.Equal(plan.Routes.Count, routes.Count);
        var sysctls = SysctlReconciler.Read(ns.Name, plan.Sysctls.Select(s => s.Key));
        Assert.All(plan.Sysctls, s => Assert.Equal(s.Value, sysctls[s.Key]));
    }

    [Fact]
    public void A_rule_changed_by_hand_is_no_longer_the_plans()
    {
        // The comparison above can fail: a rule with an attribute Junction never writes reads back without a record.
        var model = ConfigLoader.Load(Repo.Path("examples", "vpn-round-robin.yaml"));
        using var ns = TestNamespace.Create();
        foreach (var u in model.Uplinks) ns.Interface(u.Interface);
        var plan = Planner.Plan(model);
        new KernelApplier(ns.Runner).Apply(plan);
        var rule = plan.Rules.First(r => r.FwMark is not null);
        ns.Run("ip", "rule", "del", "priority", $"{rule.Priority}");
        ns.Run("ip", "rule", "add", "priority", $"{rule.Priority}", "iif", "lo", "fwmark", $"0x{rule.FwMark:x}/0x{rule.Mask:x}", "lookup", $"{rule.Table}");

        using var client = RtnetlinkClient.Open(ns.Name);
        var read = RoutingDump.ReadBoth(client).SelectMany(d => d.OwnedRules(p => p == rule.Priority)).Single();
        Assert.Null(read.Spec);
        Assert.NotEqual(IpRule.From(rule), read);
    }

    /// <summary>The next address after the gateway, on the gateway's network (/24 or /64).</summary>
    private static string Neighbour(IPAddress gateway)
    {
        var bytes = gateway.GetAddressBytes();
        bytes[^1] = (byte)(bytes[^1] == 254 ? 253 : bytes[^1] + 1);
        return $"{new IPAddress(bytes)}/{(bytes.Length == 4 ? 24 : 64)}";
    }
}
