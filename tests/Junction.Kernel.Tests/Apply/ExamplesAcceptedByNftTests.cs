using Junction.Planning.Nftables;
using Junction.Tests;
using Junction.Configuration;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Linux.Apply.Nftables;
using Junction.Planning;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// Every example, with every uplink up, each one down, all down and (with tiers) its best
/// tier down, is a table the real nft accepts (<c>nft -c</c>: checked, not committed), both
/// the planner's script and the applier's (which adds the ownership comment).
/// </summary>
public sealed class ExamplesAcceptedByNftTests
{
    public static TheoryData<string> Examples() =>
        new(Directory.GetFiles(Repo.Path("examples"), "*.yaml").Select(Path.GetFileName).OfType<string>().Order());

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_health_state_of_the_example_is_accepted_by_nft(string example)
    {
        var model = ConfigLoader.Load(Repo.Path("examples", example));
        var names = model.Uplinks.Select(u => u.Name).ToList();
        var cases = new List<(string Down, HashSet<string> Set)> { ("none", []) };
        cases.AddRange(names.Select(n => ($"{n}", new HashSet<string> { n })));
        cases.Add(("all", [.. names]));
        if (model.Tiered)
            cases.Add(("the best tier", [.. model.Uplinks.Where(u => u.Tier == model.Uplinks.Min(x => x.Tier)).Select(u => u.Name)]));

        using var ns = TestNamespace.Create();
        var failures = new List<string>();
        foreach (var (down, set) in cases)
        {
            var plan = Planner.Plan(model, set);
            foreach (var (what, script) in new[] { ("plan", NftText.ReplaceScript(plan.Nft)), ("apply", InstalledTable.Script(plan, Ownership.For(plan))) })
            {
                var result = ns.Runner.Run("nft", ["-c", "-f", "-"], script);
                if (!result.Ok) failures.Add($"{example}, down: {down}, {what} script: {result.Stderr.Trim()}");
            }
        }
        Assert.Empty(failures);
        Assert.Equal("", ns.Run("nft", "list", "ruleset"));
    }
}
