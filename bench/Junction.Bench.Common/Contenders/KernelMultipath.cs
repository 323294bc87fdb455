using Junction.Bench.Lab;

namespace Junction.Bench.Contenders;

/// <summary>
/// The kernel's own multipath: the main default route becomes a weighted nexthop group and
/// <c>net.ipv4.fib_multipath_hash_policy</c> (of the router namespace only) picks L3 or L4
/// hashing. Each uplink masquerades, as it must toward a real ISP.
/// </summary>
public sealed class KernelMultipath(int hashPolicy) : IContender
{
    public int HashPolicy { get; } = hashPolicy;

    public string Name => $"multipath L{(HashPolicy == 0 ? 3 : 4)}";
    public string Description =>
        $"`ip route replace default nexthop via 10.100.1.1 dev wan1 weight W1 nexthop ...`, `fib_multipath_hash_policy={HashPolicy}`, rp_filter 2 on the uplinks, nft `oifname \"wan*\" masquerade`";

    public void Install(BenchLab lab, RouterSetup setup) => Install(lab, setup, Enumerable.Range(1, setup.Uplinks));

    /// <summary>With only some uplinks in the group (an uplink down, taken out of the route).</summary>
    public void Install(BenchLab lab, RouterSetup setup, IEnumerable<int> present)
    {
        var t = lab.Topology;
        BenchLab.Check(lab.Router, "sysctl", ["-q", "-w", $"net.ipv4.fib_multipath_hash_policy={HashPolicy}",
            .. Enumerable.Range(1, setup.Uplinks).Select(i => $"net.ipv4.conf.{t.WanInterface(i)}.rp_filter=2")]);
        Route(lab, setup, present);
        NatOnly.Masquerade(lab);
    }

    /// <summary>Replaces the default route only: a weight change or an uplink leaving or joining the group.</summary>
    public static void Route(BenchLab lab, RouterSetup setup, IEnumerable<int> present)
    {
        var t = lab.Topology;
        var args = new List<string> { "route", "replace", "default" };
        foreach (var i in present)
            args.AddRange(["nexthop", "via", t.IspGateway(i).ToString(), "dev", t.WanInterface(i), "weight", setup.Weights[i - 1].ToString()]);
        lab.Router.Run("ip", args).Check();
    }
}
