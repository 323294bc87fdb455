using Junction.Bench.Lab;
using Junction.Lab;

namespace Junction.Bench.Contenders;

/// <summary>
/// Source addresses for SNAT pool benchmarks: uplink I's pool is 10.101.I.0 .. 10.101.I.255,
/// each a /32 on the router's wanI, and ISP I routes 10.101.I.0/24 back to the router
/// (the ISP masquerades toward the server, so the server needs no route).
/// </summary>
public static class SnatPool
{
    public const int MaxSize = 256;

    public static string Address(int uplink, int k) => $"10.101.{uplink}.{k}";

    public static IReadOnlyList<string> Addresses(int uplink, int size) => [.. Enumerable.Range(0, size).Select(k => Address(uplink, k))];

    /// <summary>Puts the largest pool on uplinks 1..uplinks; smaller pools use its first addresses.</summary>
    public static void Provision(BenchLab lab, int uplinks)
    {
        var t = lab.Topology;
        for (var i = 1; i <= uplinks; i++)
        {
            BenchLab.IpBatch(lab.Router, Addresses(i, MaxSize).Select(a => $"addr add {a}/32 dev {t.WanInterface(i)}"));
            BenchLab.Check(lab.Network.Isp(i), "ip", "route", "add", $"10.101.{i}.0/24", "via", t.WanAddress(i).ToString(), "dev", LabTopology.IspRouterSide);
        }
    }
}
