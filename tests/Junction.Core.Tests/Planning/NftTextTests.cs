using Junction.Configuration;
using Junction.Planning.Nftables;
using Junction.Tests;

namespace Junction.Planning.Tests;

/// <summary>The transaction that turns one planned table into another by replacing only what differs.</summary>
public sealed class NftTextTests
{
    private static readonly Junction.Model.JunctionModel Full =
        ConfigLoader.LoadText(File.ReadAllText(Repo.Path("examples", "full.yaml")), "full.yaml");

    [Fact]
    public void A_health_change_replaces_the_choose_chain_alone()
    {
        var up = Planner.Plan(Full).Nft;
        var down = Planner.Plan(Full, new HashSet<string> { "isp2" }).Nft;

        var script = NftText.UpdateScript(up, down)!;

        var lines = script.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("flush chain inet junction choose", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("add rule inet junction choose ", l));
        Assert.Equal(down.Chain("choose")!.Rules.Count(), lines.Length - 1);
        Assert.DoesNotContain(lines, l => l.Contains("mark_isp2", StringComparison.Ordinal) && l.Contains("vmap", StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_table_needs_nothing_and_another_shape_needs_a_whole_replacement()
    {
        var up = Planner.Plan(Full).Nft;
        Assert.Equal("", NftText.UpdateScript(up, Planner.Plan(Full).Nft));
        var fewer = Full with { Uplinks = [.. Full.Uplinks.Take(2)], Pins = [.. Full.Pins.Where(p => p.Via != "office")] };
        Assert.Null(NftText.UpdateScript(up, Planner.Plan(fewer).Nft));
    }

    [Fact]
    public void Long_maps_are_written_on_one_line_in_a_command()
    {
        var hash = ConfigLoader.LoadText(File.ReadAllText(Repo.Path("examples", "hash-source.yaml")), "hash-source.yaml");
        var script = NftText.UpdateScript(Planner.Plan(hash).Nft, Planner.Plan(hash, new HashSet<string> { hash.Uplinks[0].Name }).Nft)!;
        Assert.All(script.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Matches("^(flush chain|add rule) ", l));
    }
}
