using Junction.Planning.Nftables;
using Junction.Configuration;
using Junction.Configuration.Tests;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Linux.Apply.Nftables;
using Junction.Model;
using Junction.Planning;
using Junction.Tests;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// The other half of the config fuzz test (ConfigFuzzTests in the core tests): every
/// random file and corpus file that validates gives plans (all uplinks up, one down, all
/// down) that the real nft accepts, as the planner writes them and as apply sends them.
/// <c>nft -c</c> only checks (the kernel is asked, then the transaction is dropped); it
/// still runs in a namespace of the test's own, which is checked to be empty afterwards.
/// </summary>
public sealed class ConfigFuzzNftTests
{
    private const int Seed = 20261130;
    private const int Wanted = 100;

    [Fact]
    public void Every_valid_random_configuration_gives_plans_nft_accepts()
    {
        var fuzzer = new ConfigFuzzer(Seed);
        var models = new List<(string Name, JunctionModel Model)>();
        for (var i = 0; i < 20 * Wanted && models.Count < Wanted; i++)
            if (ConfigLoader.TryLoadText(fuzzer.Next(), "fuzz.yaml").Model is { } model)
                models.Add(($"seed {Seed}, case {i}", model));
        Assert.Equal(Wanted, models.Count);
        AssertNftAccepts(models);
    }

    [Fact]
    public void Every_valid_corpus_file_gives_plans_nft_accepts()
    {
        var models = Directory.GetFiles(Repo.Path("tests", "Junction.Core.Tests", "Configuration", "FuzzCorpus"), "*.yaml").Order()
            .Select(f => (Name: Path.GetFileName(f), ConfigLoader.TryLoadText(File.ReadAllText(f), f).Model))
            .Where(x => x.Model is not null).Select(x => (x.Name, x.Model!)).ToList();
        Assert.NotEmpty(models);
        AssertNftAccepts(models);
    }

    /// <summary>
    /// One <c>nft -c</c> for many scripts: each plan's table is renamed (junction_N), so they
    /// can share a transaction; a batch that fails is checked script by script to name the culprit.
    /// </summary>
    private static void AssertNftAccepts(List<(string Name, JunctionModel Model)> models)
    {
        var scripts = new List<(string What, string Script)>();
        foreach (var (name, model) in models)
        {
            var names = model.Uplinks.Select(u => u.Name).ToList();
            foreach (var (down, set) in new[] { ("none", new HashSet<string>()), ("first", names.Take(1).ToHashSet()), ("all", names.ToHashSet()) })
            {
                var plan = Planner.Plan(model, set);
                scripts.Add(($"{name}, down: {down}, plan", NftText.ReplaceScript(plan.Nft)));
                // What apply sends differs only by the ownership comment: once per model is enough.
                if (down == "none") scripts.Add(($"{name}, apply", InstalledTable.Script(plan, Ownership.For(plan))));
            }
        }

        using var ns = TestNamespace.Create();
        var failures = new List<string>();
        foreach (var batch in scripts.Select((s, i) => (s.What, Script: Renamed(s.Script, i))).Chunk(60))
        {
            if (ns.Runner.Run("nft", ["-c", "-f", "-"], string.Concat(batch.Select(b => b.Script))).Ok) continue;
            foreach (var (what, script) in batch)
                if (ns.Runner.Run("nft", ["-c", "-f", "-"], script) is { Ok: false } result)
                    failures.Add($"{what}: {result.Stderr.Trim()}\n{script}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {scripts.Count} scripts refused:\n" + string.Join("\n\n", failures.Take(3)));
        Assert.Equal("", ns.Run("nft", "list", "ruleset"));
    }

    private static string Renamed(string script, int i) =>
        script.Replace($"{DesiredState.TableFamily} {DesiredState.TableName}", $"{DesiredState.TableFamily} {DesiredState.TableName}_{i}", StringComparison.Ordinal) + "\n";
}
