using Junction.Configuration;
using Junction.Tests;

namespace Junction.Planning.Tests;

/// <summary>
/// The planner's whole output for each example, all up and with its first uplink down
/// (and, for an example with tiers, with its whole best tier down), compared with files
/// under golden/. After an intended change, regenerate them with JUNCTION_UPDATE_GOLDEN=1
/// and review the diff like any other change.
/// </summary>
public sealed class GoldenTests
{
    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var file in Directory.GetFiles(Repo.Path("examples"), "*.yaml").Order())
        {
            data.Add(Path.GetFileName(file), false);
            data.Add(Path.GetFileName(file), true);
        }
        return data;
    }

    public static TheoryData<string> TieredExamples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repo.Path("examples"), "*.yaml").Order())
            if (ConfigLoader.LoadText(File.ReadAllText(file), file).Tiered)
                data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(TieredExamples))]
    public void With_the_best_tier_down_the_plan_matches_the_golden_file(string example)
    {
        var model = ConfigLoader.LoadText(File.ReadAllText(Repo.Path("examples", example)), example);
        var best = model.Uplinks.Min(u => u.Tier);
        var down = model.Uplinks.Where(u => u.Tier == best).Select(u => u.Name).ToList();
        Check(example, PlanFormatter.Text(Planner.Plan(model, down.ToHashSet()), model), ".down-" + string.Join("-", down));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan_matches_the_golden_file(string example, bool firstDown)
    {
        var model = ConfigLoader.LoadText(File.ReadAllText(Repo.Path("examples", example)), example);
        var down = firstDown ? new HashSet<string> { model.Uplinks[0].Name } : [];
        Check(example, PlanFormatter.Text(Planner.Plan(model, down), model), firstDown ? $".down-{model.Uplinks[0].Name}" : "");
    }

    private static void Check(string example, string actual, string suffix)
    {
        var golden = Repo.Path("tests", "Junction.Core.Tests", "Planning", "golden",
            Path.GetFileNameWithoutExtension(example) + suffix + ".txt");

        if (Environment.GetEnvironmentVariable("JUNCTION_UPDATE_GOLDEN") == "1")
            File.WriteAllText(golden, actual);
        Assert.True(File.Exists(golden), $"{golden} is missing: run the tests once with JUNCTION_UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(golden), actual);
    }
}
