using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Support;

/// <summary>
/// What 'no trace' and 'unchanged' are checked against: the nftables ruleset, both
/// families' rules and every routing table, as the tools print them. Sysctls are separate
/// because flush leaves them by design.
/// </summary>
internal sealed record KernelState(string Ruleset, string Rules4, string Rules6, string Routes4, string Routes6)
{
    public static KernelState Of(CommandRunner runner) => new(
        runner.Check("nft", "list", "ruleset"),
        runner.Check("ip", "rule"),
        runner.Check("ip", "-6", "rule"),
        runner.Check("ip", "route", "show", "table", "all"),
        runner.Check("ip", "-6", "route", "show", "table", "all"));

    public static IReadOnlyDictionary<string, string> Sysctls(CommandRunner runner, params string[] keys) =>
        keys.ToDictionary(k => k, k => runner.Check("sysctl", "-n", k).Trim());

    /// <summary>
    /// After a flush the kernel is as <paramref name="before"/>, once the sysctls (which flush
    /// leaves by design) are put back: IPv6 forwarding adds the kernel's own subnet-router
    /// anycast routes to the local table, so until then the route listings may differ, and
    /// only by those. ('ip route show table all' lists IPv6 routes too.)
    /// </summary>
    public static void AssertFlushedTo(CommandRunner runner, KernelState before, IReadOnlyDictionary<string, string> sysctls)
    {
        Assert.Equal(before.WithoutAnycast().ToString(), Of(runner).WithoutAnycast().ToString());
        runner.Run("sysctl", ["-q", "-w", .. sysctls.Select(kv => $"{kv.Key}={kv.Value}")]).Check();
        Assert.Equal(before.ToString(), Of(runner).ToString());
    }

    private KernelState WithoutAnycast() => this with { Routes4 = NoAnycast(Routes4), Routes6 = NoAnycast(Routes6) };

    private static string NoAnycast(string routes) =>
        string.Concat(routes.Split('\n').Where(l => !l.StartsWith("anycast ", StringComparison.Ordinal)).Select(l => l + "\n"));

    /// <summary>One text with headings, so a failed comparison shows which part differs.</summary>
    public override string ToString() =>
        $"## nft list ruleset\n{Ruleset}## ip rule\n{Rules4}## ip -6 rule\n{Rules6}## ip route show table all\n{Routes4}## ip -6 route show table all\n{Routes6}";
}
