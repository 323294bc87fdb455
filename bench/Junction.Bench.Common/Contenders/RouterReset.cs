using System.Text.Json;
using Junction.Bench.Lab;
using Junction.Linux.Apply;

namespace Junction.Bench.Contenders;

/// <summary>
/// Puts the lab router back as the lab built it, whatever contender ran before: Junction
/// flushed, every nftables/iptables rule gone, extra ip rules and route tables removed, the
/// main default via ISP 1, L3 multipath hashing, no tracked connections.
/// </summary>
public static class RouterReset
{
    private static readonly HashSet<int> KernelRulePriorities = [0, 32766, 32767];

    public static void Run(BenchLab lab)
    {
        var router = lab.Router;
        new KernelApplier(router).Flush();
        router.Run("nft", "flush", "ruleset").Check();

        using (var rules = JsonDocument.Parse(router.Run("ip", "-j", "-4", "rule", "show").Check().Stdout))
        {
            var extra = rules.RootElement.EnumerateArray().Select(r => r.GetProperty("priority").GetInt32()).Where(p => !KernelRulePriorities.Contains(p)).ToList();
            if (extra.Count > 0) BenchLab.IpBatch(router, extra.Select(p => $"rule del priority {p}"));
        }
        using (var routes = JsonDocument.Parse(router.Run("ip", "-j", "-4", "route", "show", "table", "all").Check().Stdout))
        {
            var tables = routes.RootElement.EnumerateArray()
                .Select(r => r.TryGetProperty("table", out var table) ? table.ToString() : "main")
                .Where(t => int.TryParse(t, out _)).Distinct().ToList();
            if (tables.Count > 0) BenchLab.IpBatch(router, tables.Select(t => $"route flush table {t}"));
        }
        var t = lab.Topology;
        BenchLab.Check(router, "ip", "route", "replace", "default", "via", t.IspGateway(1).ToString(), "dev", t.WanInterface(1));
        BenchLab.Check(router, "sysctl", "-q", "-w", "net.ipv4.fib_multipath_hash_policy=0");
        router.Run("conntrack", "-F");
    }
}
