using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// An apply into a namespace that holds no Junction table writes the table beside the rest
/// of its read (<c>KernelApplier.Begin</c>): the kernel must end up exactly as the plain
/// path (read everything, then run every step in order) leaves it, and every failure must
/// still leave the kernel as it was.
/// </summary>
public sealed class FromNothingApplyTests
{
    [Theory]
    [InlineData("two")]
    [InlineData("three")]
    public void From_nothing_the_kernel_ends_as_the_plain_path_leaves_it(string which)
    {
        var yaml = which == "two" ? Configs.TwoUplinks : Configs.ThreeUplinks;
        var plan = Configs.Plan(yaml);
        string plainTable;
        string plain;
        IReadOnlyDictionary<string, string> plainSysctls;
        using (var ns = TestNamespace.Create().Uplinks())
        {
            var applier = new KernelApplier(ns.Runner);
            var (before, steps, _) = applier.Prepare(plan);
            new KernelTransaction(new KernelIo(ns.Runner), before, "apply").Run(steps);
            plainTable = ns.Run("nft", "list", "table", "inet", "junction");
            plain = Routing(ns);
            plainSysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);
        }
        using (var ns = TestNamespace.Create().Uplinks())
        {
            var applier = new KernelApplier(ns.Runner);

            var result = applier.Apply(plan);

            Assert.Equal(ChangeAction.Add, result.Changes[0].Action);
            Assert.Equal(ChangeSubject.Nftables, result.Changes[0].Subject);
            Assert.Contains(result.Changes, c => c.Subject == ChangeSubject.Rule);
            Assert.Contains(result.Changes, c => c.Subject == ChangeSubject.Route);
            // The ownership record is in the table's comment, as the plain path writes it.
            Assert.Equal(plainTable, ns.Run("nft", "list", "table", "inet", "junction"));
            Assert.Equal(Ownership.For(plan), applier.InstalledOwnership());
            Assert.Equal(plain, Routing(ns));
            Assert.Equal(plainSysctls, KernelState.Sysctls(ns.Runner, Configs.SysctlKeys));
            Assert.True(applier.Apply(plan).NoChanges);
        }
    }

    [Fact]
    public void Notices_of_what_came_before_an_apply_from_nothing_are_dropped_so_the_next_health_change_takes_the_short_path()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        var plan = Configs.Plan(Configs.TwoUplinks);
        applier.Apply(plan);
        // The flush's removals of planned rules and routes wait as notices on the applier's subscription.
        applier.Flush();
        applier.Apply(plan);

        var down = applier.Apply(Configs.Plan(Configs.TwoUplinks, "isp2"));

        // The short path names the chains it replaced; the whole path would replace the table.
        var change = Assert.Single(down.Changes);
        Assert.StartsWith("choose of table inet junction", change.Description);
    }

    /// <summary>Rules and routes; without the link-local ones, which differ from one namespace to another (random MACs).</summary>
    private static string Routing(TestNamespace ns) => string.Join("\n",
        ns.Run("ip", "-4", "rule"), ns.Run("ip", "-6", "rule"), ns.Run("ip", "-4", "route", "show", "table", "all"),
        string.Join("\n", ns.Run("ip", "-6", "route", "show", "table", "all").Split('\n').Where(l => !l.Contains("fe80", StringComparison.Ordinal))));

    [Fact]
    public void A_read_that_fails_beside_the_table_takes_the_table_out_again()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var before = KernelState.Of(ns.Runner);
        var applier = new KernelApplier(ns.Runner);

        // wan9 does not exist: reading its rp_filter fails while the table goes in beside.
        var e = Assert.Throws<ApplyFailedException>(() => applier.Apply(Configs.Plan(Configs.ThreeUplinks.Replace("wan3", "wan9"))));

        Assert.Null(e.Failed);
        Assert.Contains("wan9", e.Message);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
        Assert.Null(applier.InstalledOwnership());
    }

    [Fact]
    public void A_route_the_kernel_refuses_after_the_table_went_in_beside_the_read_rolls_everything_back()
    {
        using var ns = TestNamespace.Create().Uplinks();
        ns.Run("sysctl", "-q", "-w", "net.ipv4.conf.wan1.rp_filter=1");
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);
        var applier = new KernelApplier(ns.Runner);

        // isp3's gateway is on no network of wan3: its route fails after the table and the sysctls went in.
        var e = Assert.Throws<ApplyFailedException>(() => applier.Apply(Configs.Plan(Configs.ThreeUplinks.Replace("10.13.0.1", "10.99.0.1"))));

        Assert.Equal(ChangeSubject.Route, e.Failed?.Subject);
        Assert.Contains("10.99.0.1", e.Failed?.Description);
        Assert.True(e.Unchanged, e.Message);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
        Assert.Equal(sysctls, KernelState.Sysctls(ns.Runner, Configs.SysctlKeys));
        Assert.True(applier.Apply(Configs.Plan(Configs.ThreeUplinks)).Changes.Count > 0);
    }

    [Fact]
    public void A_table_transaction_that_failed_beside_the_read_is_rolled_back_before_anything_else_is_written()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);
        var applier = new KernelApplier(ns.Runner);
        var (snapshot, steps, _) = applier.Prepare(Configs.Plan(Configs.TwoUplinks));
        Assert.Equal(ChangeAction.Add, steps[0].Change.Action);
        // A table of the same name made after the read: 'create table' refuses it.
        ns.Run("nft", "add", "table", "inet", "junction");
        var io = new KernelIo(ns.Runner);
        var failure = KernelBatch.Run(io, [steps[0]]);
        Assert.NotNull(failure);

        var e = Assert.Throws<ApplyFailedException>(() => new KernelTransaction(io, snapshot, "apply").Run(steps, 1, failure));

        Assert.Equal(steps[0].Change, e.Failed);
        Assert.Contains("File exists", e.Reason);
        // Put back as the snapshot had it (no table at all), as the plain path's rollback does;
        // no sysctl, route or rule was written.
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
        Assert.Equal(sysctls, KernelState.Sysctls(ns.Runner, Configs.SysctlKeys));
    }
}
