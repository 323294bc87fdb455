using Junction.Configuration;
using Junction.Tests;

namespace Junction.Planning.Tests;

/// <summary>
/// The planner's whole output for each example, all up and with its first uplink down,
/// compared with files under golden/. After an intended change, regenerate them with
/// JUNCTION_UPDATE_GOLDEN=1 and review the diff like any other change.
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

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan_matches_the_golden_file(string example, bool firstDown)
    {
        var model = ConfigLoader.LoadText(File.ReadAllText(Repo.Path("examples", example)), example);
        var down = firstDown ? new HashSet<string> { model.Uplinks[0].Name } : [];
        var actual = PlanFormatter.Text(Planner.Plan(model, down), model);
        var golden = Repo.Path("tests", "Junction.Core.Tests", "Planning", "golden",
            Path.GetFileNameWithoutExtension(example) + (firstDown ? $".down-{model.Uplinks[0].Name}" : "") + ".txt");

        if (Environment.GetEnvironmentVariable("JUNCTION_UPDATE_GOLDEN") == "1")
            File.WriteAllText(golden, actual);
        Assert.True(File.Exists(golden), $"{golden} is missing: run the tests once with JUNCTION_UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(golden), actual);
    }
}
