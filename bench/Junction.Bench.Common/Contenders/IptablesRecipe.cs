using System.Text;
using Junction.Bench.Lab;

namespace Junction.Bench.Contenders;

/// <summary>Where the <c>statistic</c> match sits in each rule of the recipe.</summary>
public enum NthOrder
{
    /// <summary>
    /// <c>-m statistic ... -m connmark --mark 0</c> with no state test in front: the counter
    /// advances on every LAN packet that reaches the rule (DESIGN.md's seed recipe).
    /// </summary>
    EveryPacket,

    /// <summary>
    /// The line the tutorials give: <c>-m conntrack --ctstate NEW -m statistic ... -m connmark --mark 0</c>.
    /// The counter sees only new connections, but also those an earlier rule already marked.
    /// </summary>
    NewThenStatistic,

    /// <summary>
    /// <c>-m conntrack --ctstate NEW -m connmark --mark 0 -m statistic ...</c>: the counter
    /// sees only connections no earlier rule took, which is what --every S..1 assumes.
    /// </summary>
    Fixed,
}

/// <summary>
/// The classic recipe: mangle PREROUTING chains <c>-m statistic --mode nth --every K --packet 0
/// -j CONNMARK --set-mark I</c> for K = S..1 (one rule per weight slot, so weights 1:2:3 give
/// six rules), <c>CONNMARK --restore-mark</c> before and after, <c>ip rule fwmark I lookup 100+I</c>,
/// a default route per table, rp_filter 2 and MASQUERADE per uplink (or, with a pool, a
/// nat chain of <c>-m statistic --mode nth --every K -j SNAT --to-source A</c>). Loaded with
/// iptables-restore (Debian's iptables-nft), the rule set users get from the commands.
/// </summary>
public sealed class IptablesRecipe(NthOrder order) : IContender
{
    public const int TableBase = 100;
    public const int RulePriority = 30000;

    public NthOrder Order { get; } = order;

    public string Name => Order switch
    {
        NthOrder.EveryPacket => "iptables nth, counts packets",
        NthOrder.NewThenStatistic => "iptables nth (tutorial)",
        _ => "iptables nth, fixed order",
    };

    public string Description => "`-A PREROUTING -i lan " + Match("K", "I") + "` for K = S..1, `CONNMARK --restore-mark` before and after, `ip rule fwmark I lookup 10I`, `-o wanI -j MASQUERADE`";

    private string Match(string every, string mark)
    {
        var statistic = $"-m statistic --mode nth --every {every} --packet 0";
        return Order switch
        {
            NthOrder.EveryPacket => $"{statistic} -m connmark --mark 0 -j CONNMARK --set-mark {mark}",
            NthOrder.NewThenStatistic => $"-m conntrack --ctstate NEW {statistic} -m connmark --mark 0 -j CONNMARK --set-mark {mark}",
            _ => $"-m conntrack --ctstate NEW -m connmark --mark 0 {statistic} -j CONNMARK --set-mark {mark}",
        };
    }

    public void Install(BenchLab lab, RouterSetup setup) => Install(lab, setup, Enumerable.Range(1, setup.Uplinks).ToHashSet());

    /// <summary>With only the uplinks in <paramref name="present"/> in the chain (the others down).</summary>
    public void Install(BenchLab lab, RouterSetup setup, IReadOnlySet<int> present)
    {
        var t = lab.Topology;
        BenchLab.Check(lab.Router, "sysctl", ["-q", "-w", .. Enumerable.Range(1, setup.Uplinks).Select(i => $"net.ipv4.conf.{t.WanInterface(i)}.rp_filter=2")]);
        var ip = new List<string>();
        for (var i = 1; i <= setup.Uplinks; i++)
        {
            ip.Add($"route replace default via {t.IspGateway(i)} dev {t.WanInterface(i)} table {TableBase + i}");
            ip.Add($"rule add priority {RulePriority + i} fwmark {i} lookup {TableBase + i}");
        }
        BenchLab.IpBatch(lab.Router, ip);
        Load(lab, setup, present);
    }

    /// <summary>Replaces the whole rule set (iptables-restore), as users do after editing it: a reload.</summary>
    public void Load(BenchLab lab, RouterSetup setup, IReadOnlySet<int> present)
    {
        var t = lab.Topology;
        var rules = new StringBuilder()
            .AppendLine("*mangle")
            .AppendLine("-A PREROUTING -i lan -j CONNMARK --restore-mark");
        var slots = setup.ExpandedSlots.Where(present.Contains).ToList();
        for (var s = 0; s < slots.Count; s++)
            rules.AppendLine($"-A PREROUTING -i lan {Match((slots.Count - s).ToString(), slots[s].ToString())}");
        rules.AppendLine("-A PREROUTING -i lan -j CONNMARK --restore-mark")
            .AppendLine("COMMIT")
            .AppendLine("*nat");
        for (var i = 1; i <= setup.Uplinks; i++)
        {
            var wan = t.WanInterface(i);
            if (setup.Pool <= 0)
            {
                rules.AppendLine($"-A POSTROUTING -o {wan} -j MASQUERADE");
                continue;
            }
            var pool = SnatPool.Addresses(i, setup.Pool);
            for (var k = 0; k < pool.Count; k++)
                rules.AppendLine($"-A POSTROUTING -o {wan} -m statistic --mode nth --every {pool.Count - k} --packet 0 -j SNAT --to-source {pool[k]}");
        }
        rules.AppendLine("COMMIT");
        lab.Router.Run("iptables-restore", [], stdin: rules.ToString()).Check();
    }
}
