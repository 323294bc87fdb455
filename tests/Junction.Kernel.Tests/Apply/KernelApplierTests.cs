using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Planning;

namespace Junction.Kernel.Tests.Apply;

/// <summary>The applier against the real kernel, each test in a namespace of its own.</summary>
public sealed class KernelApplierTests
{
    [Fact]
    public void Applying_the_same_plan_twice_changes_nothing_the_second_time()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        var plan = Configs.Plan(Configs.TwoUplinks);

        var first = applier.Apply(plan);
        var after = KernelState.Of(ns.Runner);
        var table = ns.Run("nft", "list", "table", "inet", "junction");
        var second = applier.Apply(plan);

        Assert.False(first.NoChanges);
        Assert.True(second.NoChanges, second.ToText());
        Assert.Equal(table, ns.Run("nft", "list", "table", "inet", "junction"));
        Assert.Equal(after.ToString(), KernelState.Of(ns.Runner).ToString());
        AssertKernelHasExactly(ns, plan);
    }

    [Fact]
    public void A_dry_run_reports_the_changes_and_makes_none()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var before = KernelState.Of(ns.Runner);

        var result = new KernelApplier(ns.Runner).Apply(Configs.Plan(Configs.TwoUplinks), dryRun: true);

        Assert.True(result.DryRun);
        Assert.Contains(result.Changes, c => c.Subject == ChangeSubject.Nftables);
        Assert.Contains(result.Changes, c => c.Subject == ChangeSubject.Rule);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
    }

    [Fact]
    public void A_changed_configuration_is_reconciled_without_duplicates()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Configs.Plan(Configs.TwoUplinks));
        var changed = Configs.Plan(Configs.ThreeUplinks);

        var result = applier.Apply(changed);

        // New weights mean a new table; isp3 adds one route and one rule; nothing is removed.
        Assert.Contains(result.Changes, c => c is { Subject: ChangeSubject.Nftables, Action: ChangeAction.Replace });
        Assert.Single(result.Changes, c => c.Subject == ChangeSubject.Route);
        Assert.Single(result.Changes, c => c.Subject == ChangeSubject.Rule);
        Assert.DoesNotContain(result.Changes, c => c.Action == ChangeAction.Remove);
        AssertKernelHasExactly(ns, changed);
        Assert.Equal(Ownership.For(changed), applier.InstalledOwnership());
        Assert.True(applier.Apply(changed).NoChanges);

        // And back: isp3's rule and route go, the rest stays.
        var back = applier.Apply(Configs.Plan(Configs.TwoUplinks));
        Assert.Single(back.Changes, c => c is { Subject: ChangeSubject.Rule, Action: ChangeAction.Remove });
        Assert.Single(back.Changes, c => c is { Subject: ChangeSubject.Route, Action: ChangeAction.Remove });
        AssertKernelHasExactly(ns, Configs.Plan(Configs.TwoUplinks));
    }

    [Fact]
    public void A_down_uplink_changes_only_the_table()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Configs.Plan(Configs.TwoUplinks));

        var result = applier.Apply(Configs.Plan(Configs.TwoUplinks, "isp1"));

        var change = Assert.Single(result.Changes);
        Assert.Equal((ChangeAction.Replace, ChangeSubject.Nftables), (change.Action, change.Subject));
    }

    [Fact]
    public void Stale_rules_and_routes_in_owned_ranges_are_removed_and_old_ranges_cleaned_up()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Configs.Plan(Configs.TwoUplinks));
        // Inside the owned ranges (tables 1000-1001, priorities 1000-1002): stale, removed.
        ns.Run("ip", "rule", "add", "priority", "1002", "fwmark", "0x320000/0xff0000", "lookup", "1001");
        ns.Run("ip", "route", "add", "10.77.0.0/16", "via", "10.11.0.1", "dev", "wan1", "table", "1001");
        // Just outside them: not Junction's, kept.
        ns.Run("ip", "rule", "add", "priority", "1003", "fwmark", "0x320000/0xff0000", "lookup", "1002");
        ns.Run("ip", "route", "add", "10.77.0.0/16", "via", "10.11.0.1", "dev", "wan1", "table", "1002");

        var result = applier.Apply(Configs.Plan(Configs.TwoUplinks));
        Assert.Equal(2, result.Changes.Count(c => c.Action == ChangeAction.Remove));
        AssertKernelHasExactly(ns, Configs.Plan(Configs.TwoUplinks));
        Assert.Contains("1003:\tfrom all fwmark 0x320000/0xff0000 lookup 1002", ns.Run("ip", "rule"));
        Assert.Contains("10.77.0.0/16 via 10.11.0.1 dev wan1", ns.Run("ip", "route", "show", "table", "1002"));
        ns.Run("ip", "rule", "del", "priority", "1003");

        // Moving Junction's ranges removes what it had in the old ones (the table recorded them).
        var moved = Configs.Plan("rule-priority: 2000\ntable-base: 2000\n" + Configs.TwoUplinks);
        applier.Apply(moved);
        AssertKernelHasExactly(ns, moved);
        Assert.DoesNotContain("lookup 1000", ns.Run("ip", "rule"));
        Assert.Equal("", ns.Run("ip", "route", "show", "table", "1000"));
    }

    [Fact]
    public void Flush_leaves_no_trace()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);
        applier.Apply(Configs.Plan(Configs.ThreeUplinks));
        applier.Apply(Configs.Plan(Configs.TwoUplinks, "isp2"));

        var flushed = applier.Flush();

        Assert.Contains(flushed.Changes, c => c is { Subject: ChangeSubject.Nftables, Action: ChangeAction.Remove });
        Assert.DoesNotContain(flushed.Changes, c => c.Subject == ChangeSubject.Sysctl);
        KernelState.AssertFlushedTo(ns.Runner, before, sysctls);
        Assert.Null(applier.InstalledOwnership());
        Assert.True(applier.Flush().NoChanges);
    }

    [Fact]
    public void Foreign_tables_rules_routes_and_marks_survive_apply_and_flush()
    {
        using var ns = TestNamespace.Create().Uplinks();
        ns.Runner.Run("nft", ["-f", "-"], """
            table ip foreign {
                chain out {
                    type route hook output priority mangle; policy accept;
                    meta mark set meta mark | 0x00000001
                }
            }
            table inet junction2 { }
            """).Check();
        ns.Run("ip", "rule", "add", "priority", "500", "fwmark", "0x1/0x1", "lookup", "77");
        ns.Run("ip", "-6", "rule", "add", "priority", "32000", "lookup", "77");
        ns.Run("ip", "route", "add", "default", "via", "10.13.0.1", "dev", "wan3", "table", "77");
        ns.Run("ip", "route", "add", "10.50.0.0/16", "via", "10.11.0.1", "dev", "wan1");
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);
        var foreignTable = ns.Run("nft", "list", "table", "ip", "foreign");
        var applier = new KernelApplier(ns.Runner);

        applier.Apply(Configs.Plan(Configs.ThreeUplinks));

        Assert.Equal(foreignTable, ns.Run("nft", "list", "table", "ip", "foreign"));
        Assert.Contains("500:\tfrom all fwmark 0x1/0x1 lookup 77", ns.Run("ip", "rule"));
        Assert.Contains("32000:\tfrom all lookup 77", ns.Run("ip", "-6", "rule"));
        Assert.Equal("default via 10.13.0.1 dev wan3 \n", ns.Run("ip", "route", "show", "table", "77"));
        Assert.Contains("10.50.0.0/16 via 10.11.0.1 dev wan1", ns.Run("ip", "route"));

        applier.Flush();
        KernelState.AssertFlushedTo(ns.Runner, before, sysctls);
    }

    [Fact]
    public void A_failing_apply_rolls_back_to_exactly_the_previous_state()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Configs.Plan(Configs.TwoUplinks));
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);

        // isp1's route is replaced (a new gateway) before isp3's gateway, on no network of wan3, fails.
        var broken = Configs.Plan(Configs.ThreeUplinks.Replace("10.11.0.1", "10.11.0.9").Replace("10.13.0.1", "10.99.0.1"));
        var e = Assert.Throws<ApplyFailedException>(() => applier.Apply(broken));

        Assert.Equal(ChangeSubject.Route, e.Failed?.Subject);
        Assert.Contains("10.99.0.1", e.Failed?.Description);
        Assert.True(e.Unchanged, e.Message);
        Assert.Contains("rolled back", e.Message);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
        Assert.Equal(sysctls, KernelState.Sysctls(ns.Runner, Configs.SysctlKeys));
        Assert.True(applier.Apply(Configs.Plan(Configs.TwoUplinks)).NoChanges);
    }

    [Fact]
    public void A_failure_after_every_kind_of_change_undoes_all_of_them()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);
        var applier = new KernelApplier(ns.Runner);
        var (snapshot, steps, _) = applier.Prepare(Configs.Plan(Configs.ThreeUplinks));
        // The kernel refuses a backward goto; by then the table, sysctls, routes and rules went in.
        steps.Add(new KernelStep(new Change(ChangeAction.Add, ChangeSubject.Rule, "a rule the kernel refuses"),
            "ip", ["rule", "add", "priority", "1100", "goto", "1000"]));

        var e = Assert.Throws<ApplyFailedException>(() => new KernelTransaction(new KernelIo(ns.Runner), snapshot, "apply").Run(steps));

        Assert.Equal("a rule the kernel refuses", e.Failed?.Description);
        Assert.True(e.Unchanged, e.Message);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
        Assert.Equal(sysctls, KernelState.Sysctls(ns.Runner, Configs.SysctlKeys));
    }

    [Fact]
    public void A_route_failing_in_the_middle_of_an_ip_batch_is_named_and_the_routes_before_it_are_put_back()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Configs.Plan(Configs.TwoUplinks));
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);

        // One rtnetlink send: isp1's route is replaced (request 1), isp2's new gateway is on no
        // network of wan2 (request 2, refused); the kernel carries on with the rest, and
        // rollback undoes whatever went in.
        var broken = Configs.Plan(Configs.ThreeUplinks.Replace("10.11.0.1", "10.11.0.9").Replace("10.12.0.1", "10.98.0.1"));
        var (_, steps, _) = applier.Prepare(broken);
        var routes = steps.Where(s => s.Kind == BatchKind.Routing).ToList();
        Assert.True(routes.Count >= 4, "the routes and rules are one batch");
        Assert.Contains("10.11.0.9", routes[0].Change.Description);
        Assert.Contains("10.98.0.1", routes[1].Change.Description);

        var e = Assert.Throws<ApplyFailedException>(() => applier.Apply(broken));

        Assert.Equal(ChangeSubject.Route, e.Failed?.Subject);
        Assert.Contains("10.98.0.1", e.Failed?.Description);
        Assert.Contains("invalid gateway", e.Reason);
        Assert.True(e.Unchanged, e.Message);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
        Assert.Equal(sysctls, KernelState.Sysctls(ns.Runner, Configs.SysctlKeys));
        Assert.True(applier.Apply(Configs.Plan(Configs.TwoUplinks)).NoChanges);
    }

    [Fact]
    public void A_rule_failing_in_the_middle_of_an_ip_batch_undoes_the_routes_and_rules_before_it()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);
        var applier = new KernelApplier(ns.Runner);
        var (snapshot, steps, _) = applier.Prepare(Configs.Plan(Configs.ThreeUplinks));
        // A backward goto the kernel refuses, after the first IPv4 rule and before the others.
        var at = steps.FindIndex(s => s is { Kind: BatchKind.Routing, Change.Subject: ChangeSubject.Rule }) + 1;
        Assert.True(at > 0 && steps[at] is { Kind: BatchKind.Routing, Change.Subject: ChangeSubject.Rule }, "rules follow the one the bad rule goes after");
        // The same rule again: the kernel refuses a duplicate (EEXIST), as 'ip rule add' does.
        steps.Insert(at, steps[at - 1] with { Change = new Change(ChangeAction.Add, ChangeSubject.Rule, "a rule the kernel refuses") });

        var e = Assert.Throws<ApplyFailedException>(() => new KernelTransaction(new KernelIo(ns.Runner), snapshot, "apply").Run(steps));

        Assert.Equal("a rule the kernel refuses", e.Failed?.Description);
        Assert.True(e.Unchanged, e.Message);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
        Assert.Equal(sysctls, KernelState.Sysctls(ns.Runner, Configs.SysctlKeys));
    }

    [Fact]
    public void A_sysctl_failing_in_the_middle_of_its_batch_undoes_the_keys_written_after_it_too()
    {
        using var ns = TestNamespace.Create().Uplinks();
        ns.Run("sysctl", "-q", "-w", "net.ipv4.conf.wan1.rp_filter=1", "net.ipv4.conf.wan2.rp_filter=1", "net.ipv4.conf.wan3.rp_filter=1");
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);
        var applier = new KernelApplier(ns.Runner);
        var (snapshot, steps, _) = applier.Prepare(Configs.Plan(Configs.ThreeUplinks));
        var first = steps.FindIndex(s => s.Kind == BatchKind.Sysctl);
        Assert.True(steps.Skip(first + 1).TakeWhile(s => s.Kind == BatchKind.Sysctl).Count() >= 2, "sysctls follow the bad one");
        steps.Insert(first + 1, KernelStep.Sysctl(new Change(ChangeAction.Set, ChangeSubject.Sysctl, "a value the kernel refuses"),
            "net.ipv4.conf.lan0.rp_filter", "not-a-number"));

        var e = Assert.Throws<ApplyFailedException>(() => new KernelTransaction(new KernelIo(ns.Runner), snapshot, "apply").Run(steps));

        Assert.Equal("a value the kernel refuses", e.Failed?.Description);
        Assert.True(e.Unchanged, e.Message);
        Assert.Equal(sysctls, KernelState.Sysctls(ns.Runner, Configs.SysctlKeys));
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
    }

    [Fact]
    public void An_uplink_whose_interface_is_missing_fails_before_changing_anything()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Configs.Plan(Configs.TwoUplinks));
        var before = KernelState.Of(ns.Runner);

        var e = Assert.Throws<ApplyFailedException>(() => applier.Apply(Configs.Plan(Configs.ThreeUplinks.Replace("wan3", "wan9"))));

        Assert.Null(e.Failed);
        Assert.Contains("wan9", e.Message);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
    }

    [Fact]
    public void The_ownership_record_is_read_back_from_the_table_comment()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        var plan = Configs.Plan(Configs.TwoUplinks);
        Assert.Null(applier.InstalledOwnership());

        applier.Apply(plan);

        var owner = applier.InstalledOwnership();
        Assert.Equal(Ownership.For(plan), owner);
        Assert.Equal(plan.Marks.Mask, owner!.MarkMask);
        // Only what the two uplinks use: tables 1000-1001, the main rule and two mark rules.
        Assert.Equal("1000-1001", owner.Tables.ToString());
        Assert.Equal($"{plan.Marks.RulePriority}-{plan.Marks.RulePriority + 2}", owner.Priorities.ToString());
    }

    /// <summary>Junction's rules and routes in the kernel are exactly the plan's, each once.</summary>
    private static void AssertKernelHasExactly(TestNamespace ns, DesiredState plan)
    {
        foreach (var (flag, family) in new[] { ("-4", Junction.Model.Families.IPv4), ("-6", Junction.Model.Families.IPv6) })
        {
            var owned = ns.Run("ip", flag, "rule").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(l => Ownership.For(plan).OwnsPriority(int.Parse(l[..l.IndexOf(':')])))
                .Select(l => l.Split(':')[0]).ToList();
            Assert.Equal(plan.Rules.Where(r => r.Family == family).Select(r => r.Priority.ToString()).Order(), owned.Order());
        }
        foreach (var table in plan.Uplinks.Select(u => u.Table))
        {
            // A table the kernel never had routes of a family in is an error for 'ip -6 route show table', not empty.
            var routes = new[] { "-4", "-6" }.Sum(flag => ns.Runner.Run("ip", flag, "route", "show", "table", $"{table}").Stdout
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Equal(plan.Routes.Count(r => r.Table == table), routes);
        }
    }
}
