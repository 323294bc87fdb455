using Junction.Bench.Lab;

namespace Junction.Bench.Contenders;

/// <summary>The baseline: the router forwards by its main table (default via ISP 1), no rules at all.</summary>
public sealed class NoRules : IContender
{
    public string Name => "no rules";
    public string Description => "the lab router as built: main default route via ISP 1, no nftables/iptables rules, no conntrack in the router";
    public void Install(BenchLab lab, RouterSetup setup) { }
}
