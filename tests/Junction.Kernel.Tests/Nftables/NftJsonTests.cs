using Junction.Configuration;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Nftables;
using Junction.Planning;
using Junction.Planning.Nftables;
using Junction.Tests;

namespace Junction.Kernel.Tests.Nftables;

/// <summary>
/// The JSON renderer writes the same table as the text renderer: for every example, all
/// up and with its first uplink down, the JSON loaded through libnftables into a fresh
/// namespace lists exactly as the text script loaded the same way.
/// </summary>
public sealed class NftJsonTests
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
    public void The_json_table_is_the_text_table_in_the_kernel(string example, bool firstDown)
    {
        var model = ConfigLoader.Load(Repo.Path("examples", example));
        var plan = Planner.Plan(model, firstDown ? new HashSet<string> { model.Uplinks[0].Name } : []);

        var fromText = Loaded(NftText.ReplaceScript(plan.Nft), json: false);
        var fromJson = Loaded(NftJson.ReplaceScript(plan.Nft), json: true);

        Assert.Contains("chain choose", fromText);
        Assert.Equal(fromText, fromJson);
    }

    [Fact]
    public void A_json_table_that_differs_lists_differently()
    {
        // The comparison above can fail: a plan with another uplink down lists otherwise.
        var model = ConfigLoader.Load(Repo.Path("examples", "full.yaml"));
        Assert.NotEqual(Loaded(NftJson.ReplaceScript(Planner.Plan(model).Nft), json: true),
            Loaded(NftJson.ReplaceScript(Planner.Plan(model, new HashSet<string> { model.Uplinks[0].Name }).Nft), json: true));
    }

    /// <summary>The script run through libnftables in a namespace of its own, then the table as nft lists it.</summary>
    private static string Loaded(string script, bool json)
    {
        using var ns = TestNamespace.Create();
        var nft = LibNftables.For(ns.Name);
        // libnftables reads a JSON command list when its JSON flag is set.
        nft.Run(script, json).Check("load the table");
        return nft.Run($"list table {DesiredState.TableFamily} {DesiredState.TableName}").Check("list the table").Output;
    }
}
