using System.Text;

namespace Junction.Lab.Commands;

/// <summary>The configuration 'lab demo' applies on the lab's router: its LAN, its uplinks, their weights.</summary>
internal static class DemoConfig
{
    /// <summary>Equal weights for two uplinks (the classic 50/50), 1:2:...:N otherwise, so the table shows weighting.</summary>
    public static IReadOnlyList<int> Weights(int uplinks) =>
        uplinks == 2 ? [1, 1] : [.. Enumerable.Range(1, uplinks)];

    public static string Yaml(LabTopology t, IReadOnlyList<int> weights)
    {
        var s = new StringBuilder()
            .AppendLine($"# Written by 'junction lab demo' for lab '{t.Prefix}': the LAN is the router's bridge '{LabTopology.LanInterface}',")
            .AppendLine("# ISP I is reached over wanI through its gateway 10.100.I.1.")
            .AppendLine($"lan: [{LabTopology.LanInterface}]")
            .AppendLine("balance: round-robin")
            .AppendLine("uplinks:");
        for (var i = 1; i <= t.Uplinks; i++)
            s.AppendLine($"  - {{ name: isp{i}, interface: {t.WanInterface(i)}, gateway: {t.IspGateway(i)}, weight: {weights[i - 1]} }}");
        return s.ToString();
    }
}
