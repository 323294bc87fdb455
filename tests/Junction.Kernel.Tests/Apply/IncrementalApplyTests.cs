using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Planning;
using Junction.Planning.Nftables;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// The applier's short path: while the kernel provably holds what it applied last, a health
/// change replaces only the chains that changed; anything else done to the kernel in the
/// meantime sends it down the whole path, which puts the plan back.
/// </summary>
public sealed class IncrementalApplyTests
{
    [Fact]
    public void A_health_change_replaces_only_the_choose_chain_and_the_kernel_holds_the_new_plan()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Configs.Plan(Configs.ThreeUplinks));
        var down = Configs.Plan(Configs.ThreeUplinks, "isp2");

        var result = applier.Apply(down);

        var change = Assert.Single(result.Changes);
        Assert.Equal(ChangeSubject.Nftables, change.Subject);
        Assert.StartsWith("choose of table inet junction", change.Description);
        Assert.Equal(Ownership.For(down), result.Owner);
        Assert.Equal(Ownership.For(down), applier.InstalledOwnership());
        // The chains listed are those of a fresh whole apply of the same plan.
        Assert.Equal(WholeApply(down), Chains(ns.Run("nft", "list", "table", "inet", "junction")));
        Assert.True(applier.Apply(down).NoChanges);
        Assert.Empty(applier.Apply(down, dryRun: true).Changes);
    }

    [Fact]
    public void After_nft_flush_ruleset_the_whole_table_is_put_back()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Configs.Plan(Configs.ThreeUplinks));
        ns.Run("nft", "flush", "ruleset");
        var down = Configs.Plan(Configs.ThreeUplinks, "isp2");

        Assert.NotEmpty(applier.Apply(down, dryRun: true).Changes);
        var result = applier.Apply(down);

        Assert.Contains(result.Changes, c => c is { Subject: ChangeSubject.Nftables, Action: ChangeAction.Add });
        Assert.Equal(WholeApply(down), Chains(ns.Run("nft", "list", "table", "inet", "junction")));
    }

    [Fact]
    public void A_rule_deleted_by_hand_is_put_back_by_the_next_health_change()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        var plan = Configs.Plan(Configs.ThreeUplinks);
        applier.Apply(plan);
        var rule = plan.Rules.First(r => r.FwMark is not null);
        ns.Run("ip", "rule", "del", "priority", $"{rule.Priority}");

        var result = applier.Apply(Configs.Plan(Configs.ThreeUplinks, "isp2"));

        Assert.Contains(result.Changes, c => c.Subject == ChangeSubject.Rule && c.Action == ChangeAction.Add);
        Assert.Contains($"{rule.Priority}:", ns.Run("ip", "rule"));
    }

    [Fact]
    public void Another_nftables_write_in_the_namespace_sends_the_next_apply_down_the_whole_path()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Configs.Plan(Configs.ThreeUplinks));
        // Someone adds a rule to Junction's own chain: only the whole path (which lists the table) sees it.
        ns.Run("nft", "add", "rule", "inet", "junction", "choose", "counter");
        var down = Configs.Plan(Configs.ThreeUplinks, "isp2");

        var result = applier.Apply(down);

        Assert.Contains(result.Changes, c => c is { Subject: ChangeSubject.Nftables, Action: ChangeAction.Replace } && c.Description.StartsWith("table", StringComparison.Ordinal));
        Assert.Equal(WholeApply(down), Chains(ns.Run("nft", "list", "table", "inet", "junction")));
    }

    /// <summary>The table's chains as listed after the plan is applied whole into a fresh namespace.</summary>
    private static string WholeApply(DesiredState plan)
    {
        using var ns = TestNamespace.Create().Uplinks();
        ns.Runner.Run("nft", ["-f", "-"], NftText.ReplaceScript(plan.Nft)).Check();
        return Chains(ns.Run("nft", "list", "table", "inet", "junction"));
    }

    /// <summary>A listing without its first line (the table's comment, which the whole path writes and the short path keeps).</summary>
    private static string Chains(string listing) =>
        string.Join('\n', listing.Split('\n').Where(l => !l.TrimStart().StartsWith("comment ", StringComparison.Ordinal)));
}
