using Junction.Linux.Apply;

namespace Junction.Cli.Daemon.Tests;

/// <summary>The info log's line for an apply says whether the whole table or only some chains were rewritten.</summary>
public sealed class ApplySummaryTests
{
    [Fact]
    public void A_whole_table_is_replaced_and_counted_kernel_objects_follow()
    {
        var result = new ApplyResult("apply", [
            new Change(ChangeAction.Replace, ChangeSubject.Nftables, "table inet junction (2 of 2 uplinks balanced; plan 0123)"),
            new Change(ChangeAction.Add, ChangeSubject.Route, "default via 10.0.0.1 dev wan1 table 1001"),
            new Change(ChangeAction.Add, ChangeSubject.Route, "default via 10.0.1.1 dev wan2 table 1002"),
            new Change(ChangeAction.Add, ChangeSubject.Rule, "priority 1000 lookup main suppress_prefixlength 0"),
        ], false);

        Assert.Equal("nftables table replaced, 2 routes, 1 rule", ApplySummary.Of(result));
    }

    [Fact]
    public void A_health_changes_short_path_names_the_chains_it_rewrote()
    {
        var chain = new Change(ChangeAction.Replace, ChangeSubject.Nftables, "choose of table inet junction (1 of 2 uplinks balanced; plan 4567)") { Parts = ["choose"] };
        var two = new Change(ChangeAction.Replace, ChangeSubject.Nftables, "choose, set bypass4 of table inet junction") { Parts = ["choose", "set bypass4"] };
        var route = new Change(ChangeAction.Remove, ChangeSubject.Route, "default via 10.0.0.1 dev wan1 table 1001");

        Assert.Equal("nftables chain choose replaced, 1 route", ApplySummary.Of(new ApplyResult("apply", [chain, route], false)));
        Assert.Equal("nftables choose, set bypass4 replaced", ApplySummary.Of(new ApplyResult("apply", [two], false)));
        Assert.Equal("no changes", ApplySummary.Of(new ApplyResult("apply", [], false)));
    }
}
