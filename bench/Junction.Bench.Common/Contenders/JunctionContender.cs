using System.Text;
using Junction.Bench.Lab;
using Junction.Configuration;
using Junction.Linux.Apply;
using Junction.Model;
using Junction.Planning;

namespace Junction.Bench.Contenders;

/// <summary>Junction itself: a configuration applied in the router with the applier 'junction apply' uses.</summary>
public sealed class JunctionContender(BalanceMode mode) : IContender
{
    public BalanceMode Mode { get; } = mode;

    public string Name => $"Junction {ModeWord(Mode)}";
    public string Description => $"`balance: {ModeWord(Mode)}`, uplinks wanI with gateway 10.100.I.1, `snat: masquerade` (or a round-robin pool)";

    public void Install(BenchLab lab, RouterSetup setup) => Apply(lab, setup);

    /// <summary>Applies and returns what the applier did.</summary>
    public ApplyResult Apply(BenchLab lab, RouterSetup setup, params string[] down) =>
        new KernelApplier(lab.Router).Apply(Planner.Plan(Model(lab, setup), down.ToHashSet()));

    public JunctionModel Model(BenchLab lab, RouterSetup setup, string extra = "", Func<int, IReadOnlyList<string>>? pool = null) =>
        ConfigLoader.LoadText(Yaml(lab, setup, extra, pool), "bench.yaml");

    /// <summary>
    /// The configuration for uplinks 1..N; <paramref name="extra"/> adds top-level keys, and
    /// <paramref name="pool"/> overrides uplink I's SNAT pool (default: <see cref="SnatPool"/> of setup.Pool).
    /// </summary>
    public string Yaml(BenchLab lab, RouterSetup setup, string extra = "", Func<int, IReadOnlyList<string>>? pool = null)
    {
        var t = lab.Topology;
        var yaml = new StringBuilder()
            .AppendLine("lan: [lan]")
            .AppendLine($"balance: {ModeWord(Mode)}");
        if (extra.Length > 0) yaml.AppendLine(extra.TrimEnd());
        yaml.AppendLine("uplinks:");
        for (var i = 1; i <= setup.Uplinks; i++)
        {
            yaml.Append($"  - {{ name: isp{i}, interface: {t.WanInterface(i)}, gateway: {t.IspGateway(i)}, weight: {setup.Weights[i - 1]}");
            var addresses = pool?.Invoke(i) ?? (setup.Pool > 0 ? SnatPool.Addresses(i, setup.Pool) : []);
            if (addresses.Count > 0)
                yaml.Append($", snat: {{ addresses: [{string.Join(", ", addresses)}], spread: round-robin }}");
            yaml.AppendLine(" }");
        }
        return yaml.ToString();
    }

    public static string ModeWord(BalanceMode mode) => mode switch
    {
        BalanceMode.RoundRobin => "round-robin",
        BalanceMode.Random => "random",
        BalanceMode.HashSource => "hash-source",
        _ => "hash-source-destination",
    };
}
