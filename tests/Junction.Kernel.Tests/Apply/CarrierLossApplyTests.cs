using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Linux.Nftables;
using Junction.Planning;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// A carrier loss, as the daemon plans it: the uplink is unhealthy and unroutable, so the
/// <c>choose</c> chain changes and its default routes (both families) are planned out.
/// While the kernel provably holds the last plan that takes the applier's short path (the
/// chains, then the routes, from memory); when the kernel differs, the whole path runs
/// and leaves the kernel as the planner says either way.
/// </summary>
public sealed class CarrierLossApplyTests
{
    [Fact]
    public void A_carrier_loss_replaces_the_choose_chain_and_removes_the_uplinks_routes_without_a_whole_apply()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Plan());
        // The far end goes down: wan2 loses its carrier, its routes stay in the kernel (linkdown).
        ns.Run("ip", "link", "set", "wan2p", "down");
        var lost = Plan("isp2");

        var result = applier.Apply(lost);

        var table = Assert.Single(result.Changes, c => c.Subject == ChangeSubject.Nftables);
        Assert.StartsWith("choose of table inet junction", table.Description);
        Assert.Equal(2, result.Changes.Count(c => c is { Subject: ChangeSubject.Route, Action: ChangeAction.Remove }));
        Assert.Equal(3, result.Changes.Count);
        Assert.Equal(Ownership.For(lost), applier.InstalledOwnership());
        Assert.Equal(WholeApply(lost, carrierLost: "wan2"), State(ns, lost));
        Assert.True(applier.Apply(lost).NoChanges);
        Assert.Empty(applier.Apply(lost, dryRun: true).Changes);
    }

    [Fact]
    public void An_uplink_whose_interface_is_gone_is_planned_out_on_the_short_path_its_routes_went_with_the_interface()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Plan());
        // A PPP session ends: the interface goes, and with it (silently, for IPv4) its routes.
        ns.Run("ip", "link", "del", "wan1");
        var gone = Plan("isp1");

        var result = applier.Apply(gone);

        var table = Assert.Single(result.Changes, c => c.Subject == ChangeSubject.Nftables);
        Assert.StartsWith("choose of table inet junction", table.Description);
        Assert.Equal(Ownership.For(gone), applier.InstalledOwnership());
        Assert.True(applier.Apply(gone).NoChanges);
    }

    [Fact]
    public void When_the_carrier_returns_the_short_path_puts_the_routes_and_the_rp_filter_back()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Plan());
        ns.Run("ip", "link", "set", "wan2p", "down");
        applier.Apply(Plan("isp2"));
        // Not Junction's business while the uplink is planned out; its return sets it again.
        ns.Run("sysctl", "-q", "-w", "net.ipv4.conf.wan2.rp_filter=1");
        ns.Run("ip", "link", "set", "wan2p", "up");
        var back = Plan();

        var result = applier.Apply(back);

        var table = Assert.Single(result.Changes, c => c.Subject == ChangeSubject.Nftables);
        Assert.StartsWith("choose of table inet junction", table.Description);
        Assert.Equal(2, result.Changes.Count(c => c is { Subject: ChangeSubject.Route, Action: ChangeAction.Add }));
        Assert.Contains(result.Changes, c => c.Subject == ChangeSubject.Sysctl && c.Description.Contains("wan2.rp_filter", StringComparison.Ordinal));
        Assert.Equal("2", ns.Run("sysctl", "-n", "net.ipv4.conf.wan2.rp_filter").Trim());
        Assert.Equal(WholeApply(back), State(ns, back));
    }

    [Fact]
    public void A_route_deleted_by_hand_before_a_carrier_loss_sends_the_apply_down_the_whole_path()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        var plan = Plan();
        applier.Apply(plan);
        var isp3 = plan.Uplinks.Single(u => u.Name == "isp3").Table;
        ns.Run("ip", "route", "del", "default", "table", isp3.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ns.Run("ip", "link", "set", "wan2p", "down");
        var lost = Plan("isp2");

        var result = applier.Apply(lost);

        Assert.Contains(result.Changes, c => c is { Subject: ChangeSubject.Nftables, Action: ChangeAction.Replace } && c.Description.StartsWith("table", StringComparison.Ordinal));
        Assert.Contains(result.Changes, c => c is { Subject: ChangeSubject.Route, Action: ChangeAction.Add } && c.RouteTable == isp3);
        Assert.Equal(WholeApply(lost, carrierLost: "wan2"), State(ns, lost));
    }

    [Fact]
    public void An_interface_taken_down_here_loses_its_routes_to_the_kernel_and_the_whole_path_runs()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Plan());
        // Down on this side: the kernel deletes wan2's routes itself, before the daemon plans them out.
        ns.Run("ip", "link", "set", "wan2", "down");
        var lost = Plan("isp2");

        var result = applier.Apply(lost);

        Assert.Contains(result.Changes, c => c is { Subject: ChangeSubject.Nftables, Action: ChangeAction.Replace } && c.Description.StartsWith("table", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Changes, c => c.Subject == ChangeSubject.Route);
        Assert.Equal(WholeApply(lost, adminDown: "wan2"), State(ns, lost));
    }

    [Fact]
    public void A_returning_uplinks_routes_are_in_before_the_chains_send_connections_to_it_and_a_lost_ones_go_only_after()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var nft = new Watched(LibNftables.For(ns.Name), () => Isp2Routes(ns));
        var applier = new KernelApplier(new KernelIo(ns.Runner, nft));
        applier.Apply(Plan());
        ns.Run("ip", "link", "set", "wan2p", "down");

        // The carrier loss (short path): the chains stop sending connections to isp2 while its routes are still there.
        var lost = nft.During(() => applier.Apply(Plan("isp2")));
        Assert.Contains(lost.Result.Changes, c => c.Description.StartsWith("choose of table", StringComparison.Ordinal));
        Assert.All(lost.Writes, w => Assert.Equal(2, w.Routes));
        Assert.Equal(0, Isp2Routes(ns));

        // Its return (short path): the routes are in when the chains send connections to it again.
        ns.Run("ip", "link", "set", "wan2p", "up");
        var back = nft.During(() => applier.Apply(Plan()));
        Assert.Contains(back.Result.Changes, c => c.Description.StartsWith("choose of table", StringComparison.Ordinal));
        Assert.Equal(2, back.Result.Changes.Count(c => c is { Subject: ChangeSubject.Route, Action: ChangeAction.Add }));
        Assert.All(back.Writes, w => Assert.Equal(2, w.Routes));

        // The same on the whole path (an applier that remembers nothing replaces the table).
        new KernelApplier(ns.Runner).Apply(Plan("isp2"));
        Assert.Equal(0, Isp2Routes(ns));
        var whole = nft.During(() => new KernelApplier(new KernelIo(ns.Runner, nft)).Apply(Plan()));
        Assert.Contains(whole.Result.Changes, c => c is { Subject: ChangeSubject.Nftables } && c.Description.StartsWith("table", StringComparison.Ordinal));
        Assert.NotEmpty(whole.Writes);
        Assert.All(whole.Writes, w => Assert.Equal(2, w.Routes));
        Assert.Equal(WholeApply(Plan()), State(ns, Plan()));
    }

    /// <summary>isp2's default routes (both families) in its table now.</summary>
    private static int Isp2Routes(TestNamespace ns)
    {
        var table = Plan().Uplinks.Single(u => u.Name == "isp2").Table.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new[] { "-4", "-6" }.Sum(f => ns.Runner.Run("ip", f, "route", "show", "table", table).Stdout
            .Split('\n').Count(l => l.StartsWith("default via", StringComparison.Ordinal)));
    }

    /// <summary>nftables that notes, as each write commits, what <paramref name="look"/> finds in the kernel just before.</summary>
    private sealed class Watched(INftables inner, Func<int> look) : INftables
    {
        private List<(string Script, int Routes)> _writes = [];

        public NftResult Run(string commands, bool json = false)
        {
            if (!commands.TrimStart().StartsWith("list ", StringComparison.Ordinal)) _writes.Add((commands, look()));
            return inner.Run(commands, json);
        }

        public (ApplyResult Result, List<(string Script, int Routes)> Writes) During(Func<ApplyResult> apply)
        {
            _writes = [];
            return (apply(), _writes);
        }
    }

    /// <summary>The plan the daemon makes with these uplinks' carrier lost: unhealthy and unroutable.</summary>
    private static DesiredState Plan(params string[] lost) =>
        Planner.Plan(Configs.Model(Configs.ThreeUplinks), lost.ToHashSet(), lost.ToHashSet());

    /// <summary>The chains and the routes of Junction's tables after the plan is applied whole into a fresh namespace in the same state.</summary>
    private static string WholeApply(DesiredState plan, string? carrierLost = null, string? adminDown = null)
    {
        using var ns = TestNamespace.Create().Uplinks();
        if (carrierLost is not null) ns.Run("ip", "link", "set", carrierLost + "p", "down");
        if (adminDown is not null) ns.Run("ip", "link", "set", adminDown, "down");
        new KernelApplier(ns.Runner).Apply(plan);
        return State(ns, plan);
    }

    /// <summary>The table's chains (without its comment, which only a whole apply writes) and every route in the uplinks' tables.</summary>
    private static string State(TestNamespace ns, DesiredState plan)
    {
        var chains = ns.Run("nft", "list", "table", "inet", "junction").Split('\n').Where(l => !l.TrimStart().StartsWith("comment ", StringComparison.Ordinal));
        // A table that never held a route of a family does not exist for it: listed as empty.
        var routes = plan.Uplinks.SelectMany(u => new[] { "-4", "-6" }.Select(f =>
            $"{f} table {u.Table}: {(ns.Runner.Run("ip", f, "route", "show", "table", u.Table.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { Ok: true } listed ? listed.Stdout.Trim() : "")}"));
        return string.Join('\n', chains.Concat(routes));
    }
}
