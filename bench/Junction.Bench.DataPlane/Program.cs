using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Junction.Bench.Contenders;
using Junction.Bench.Lab;
using Junction.Bench.Report;
using Junction.Lab;
using Junction.Model;

// Data-plane cost: new connections per second (wrk, one connection per request) and bulk
// throughput (iperf3) through the lab router, each variant paired with a no-rules
// measurement taken just before it, variants shuffled in every round.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var rounds = Arg("--rounds", 5);
var seconds = Arg("--seconds", 2);
int[] uplinkCounts = [2, 8, 32, 64];
int[] poolSizes = [1, 16, 256];
const int PoolUplinks = 2;
const int HttpPort = 8080;
const int IperfPort = 5201;
const int Concurrency = 32;

var junction = new JunctionContender(BalanceMode.RoundRobin);
var iptables = new IptablesRecipe(NthOrder.NewThenStatistic);
var multipath = new KernelMultipath(1);
var natOnly = new NatOnly();
var baseline = new NoRules();

var connVariants = new List<Variant> { new("NAT only", natOnly, RouterSetup.Equal(1), "nat") };
foreach (var u in uplinkCounts)
    connVariants.AddRange([new(junction.Name, junction, RouterSetup.Equal(u), "uplinks"), new(iptables.Name, iptables, RouterSetup.Equal(u), "uplinks"), new(multipath.Name, multipath, RouterSetup.Equal(u), "uplinks")]);
foreach (var p in poolSizes)
    connVariants.AddRange([new(junction.Name, junction, RouterSetup.Equal(PoolUplinks, p), "pool"), new(iptables.Name, iptables, RouterSetup.Equal(PoolUplinks, p), "pool")]);
var bulkVariants = new List<Variant> { new(junction.Name, junction, RouterSetup.Equal(2), "bulk"), new(iptables.Name, iptables, RouterSetup.Equal(2), "bulk"), new(multipath.Name, multipath, RouterSetup.Equal(2), "bulk") };

var section = new Section("Data-plane cost", "Junction.Bench.DataPlane");
await using var lab = BenchLab.Up(new LabOptions { Prefix = "jbdp", Uplinks = uplinkCounts.Max(), Clients = 1, ExtraWanAddresses = 0 });
var t = lab.Topology;
SnatPool.Provision(lab, PoolUplinks);
lab.Own(HttpOkServer.Start(new IPEndPoint(LabTopology.ServiceAddress, HttpPort), t.ServerNamespace));
lab.Own(LabProcess.Start(t.ServerNamespace, "iperf3", "-s", "-B", LabTopology.ServiceAddress.ToString(), "-p", IperfPort.ToString()));
await Task.Delay(500);

var random = new Random(6);
var used = uplinkCounts.Max();
var connResults = new List<(Variant Variant, double Base, double Rate, long Errors)>();
var bulkResults = new List<(Variant Variant, double Base, double Rate)>();
for (var round = 1; round <= rounds; round++)
{
    foreach (var v in connVariants.OrderBy(_ => random.Next()))
    {
        var b = Wrk(baseline, RouterSetup.Equal(1));
        var r = Wrk(v.Contender, v.Setup);
        connResults.Add((v, b.Rate, r.Rate, r.Errors));
        Console.Error.WriteLine($"round {round} {v.Label,-40} {r.Rate,8:0} conn/s vs {b.Rate,8:0} no rules: {r.Rate / b.Rate:0.000}{(r.Errors + b.Errors > 0 ? $" ({r.Errors}/{b.Errors} socket errors)" : "")}");
    }
    foreach (var v in bulkVariants.OrderBy(_ => random.Next()))
    {
        var b = Iperf(baseline, RouterSetup.Equal(1));
        var r = Iperf(v.Contender, v.Setup);
        bulkResults.Add((v, b, r));
        Console.Error.WriteLine($"round {round} iperf3 {v.Label,-33} {r / 1e9,6:0.00} Gbit/s vs {b / 1e9,6:0.00} no rules: {r / b:0.000}");
    }
}
RouterReset.Run(lab);

// Medians over rounds; each ratio is against the no-rules run just before it.
var allBase = connResults.Select(c => c.Base).ToList();
section.Line($"New connections per second: `wrk -t1 -c{Concurrency} -d{seconds}s -H 'Connection: close'` from client c1 to a minimal HTTP server (ours, C#) on 198.51.100.10:{HttpPort} in the server namespace, so every request is a new TCP connection through the router and an ISP (both NAT). Bulk: `iperf3 -c 198.51.100.10 -P 4 -t {seconds}` (4 streams). Everything (load generator, servers, the router's and ISPs' forwarding) shares the machine's {Environment.ProcessorCount} cores, so the numbers are the whole path's; what matters is each variant's **ratio to the no-rules router measured immediately before it** (same conditions). {rounds} rounds, variants shuffled in each round; tables show medians. \"µs/conn added\" is 10⁶/rate − 10⁶/baseline-rate: the machine time each new connection costs extra at saturation.");
section.Line();
section.Line($"No-rules baseline over the whole run: median {Stats.Median(allBase):0} conn/s (min {allBase.Min():0}, max {allBase.Max():0}); the router then has no rules and tracks no connections. *NAT only* is one uplink with `oifname \"wan*\" masquerade` and nothing else: the share of the cost that conntrack and NAT take before any balancing. Junction is `balance: round-robin`; iptables is the tutorial recipe (`--ctstate NEW` then `statistic`, one rule per uplink); multipath is L4 hashing with per-uplink masquerade.");
section.Line();

var nat = Summary(connResults.Where(c => c.Variant.Group == "nat"));
var table = new MarkdownTable("variant", "uplinks", "conn/s", "ratio to no rules", "ratio, min–max", "µs/conn added");
table.Row("no rules", "1 (main table)", $"{Stats.Median(allBase):0}", "1.00", "", "0");
table.Row("NAT only", 1, $"{nat.Rate:0}", $"{nat.Ratio:0.00}", nat.Spread, $"{nat.Added:0.0}");
foreach (var u in uplinkCounts)
foreach (var name in new[] { junction.Name, iptables.Name, multipath.Name })
{
    var s = Summary(connResults.Where(c => c.Variant.Group == "uplinks" && c.Variant.Name == name && c.Variant.Setup.Uplinks == u));
    table.Row(name, u, $"{s.Rate:0}", $"{s.Ratio:0.00}", s.Spread, $"{s.Added:0.0}");
}
section.Line("### New connections per second, by number of uplinks").Line().Table(table);
var plot = new Plot("lines", "New connections/s relative to the no-rules router", "uplinks", "ratio to no rules (1 = free)") { LogX = true, Reference = 1.0 };
foreach (var name in new[] { junction.Name, iptables.Name, multipath.Name })
    plot.Series(name, uplinkCounts.Select(u => Summary(connResults.Where(c => c.Variant.Group == "uplinks" && c.Variant.Name == name && c.Variant.Setup.Uplinks == u)).Ratio), uplinkCounts.Select(u => (double)u));
plot.Series("NAT only (1 uplink)", uplinkCounts.Select(_ => nat.Ratio), uplinkCounts.Select(u => (double)u));
section.Line(plot.Save("dataplane-uplinks")).Line();

var pools = new MarkdownTable("variant", "SNAT pool per uplink", "conn/s", "ratio to no rules", "ratio, min–max", "µs/conn added");
foreach (var p in poolSizes)
foreach (var name in new[] { junction.Name, iptables.Name })
{
    var s = Summary(connResults.Where(c => c.Variant.Group == "pool" && c.Variant.Name == name && c.Variant.Setup.Pool == p));
    pools.Row(name, p, $"{s.Rate:0}", $"{s.Ratio:0.00}", s.Spread, $"{s.Added:0.0}");
}
section.Line($"### New connections per second, by SNAT pool size ({PoolUplinks} uplinks, each with its own pool)").Line();
section.Line($"Junction: `snat to numgen inc mod N map {{ 0 : A0, ... }}` per uplink. iptables: per uplink a nat POSTROUTING chain of `-o wanI -m statistic --mode nth --every K --packet 0 -j SNAT --to-source AK` for K = N..1 (NAT rules see only a connection's first packet). Pool addresses are /32s on the router's uplinks.").Line();
section.Table(pools);
var poolPlot = new Plot("lines", $"New connections/s relative to no rules, SNAT pool ({PoolUplinks} uplinks)", "pool addresses per uplink", "ratio to no rules (1 = free)") { LogX = true, Reference = 1.0 };
foreach (var name in new[] { junction.Name, iptables.Name })
    poolPlot.Series(name, poolSizes.Select(p => Summary(connResults.Where(c => c.Variant.Group == "pool" && c.Variant.Name == name && c.Variant.Setup.Pool == p)).Ratio), poolSizes.Select(p => (double)p));
section.Line(poolPlot.Save("dataplane-pool")).Line();

var bulk = new MarkdownTable("variant", "uplinks", "Gbit/s", "no rules, Gbit/s", "ratio to no rules", "ratio, min–max");
foreach (var v in bulkVariants)
{
    var rs = bulkResults.Where(b => b.Variant == v).ToList();
    bulk.Row(v.Name, v.Setup.Uplinks, $"{Stats.Median(rs.Select(r => r.Rate)) / 1e9:0.00}", $"{Stats.Median(rs.Select(r => r.Base)) / 1e9:0.00}", $"{Stats.Median(rs.Select(r => r.Rate / r.Base)):0.00}", $"{rs.Min(r => r.Rate / r.Base):0.00}–{rs.Max(r => r.Rate / r.Base):0.00}");
}
section.Line("### Bulk throughput (iperf3)").Line().Table(bulk);
var errors = connResults.Sum(c => c.Errors);
section.Line(errors == 0 ? "wrk reported no socket errors in any measurement." : $"wrk reported {errors} socket errors over all measurements (connect/read/write/timeout).");
section.Line().Line("Headline: " + string.Join("; ", uplinkCounts.Where(u => u is 2 or 64).SelectMany(u => new[] { junction.Name, iptables.Name, multipath.Name }.Select(n =>
    $"{n} at {u} uplinks {Summary(connResults.Where(c => c.Variant.Group == "uplinks" && c.Variant.Name == n && c.Variant.Setup.Uplinks == u)).Ratio:0.00}×"))) + " of the no-rules conn/s.");
section.Write();

(double Rate, double Ratio, double Added, string Spread) Summary(IEnumerable<(Variant Variant, double Base, double Rate, long Errors)> runs)
{
    var list = runs.ToList();
    var ratios = list.Select(r => r.Rate / r.Base).ToList();
    return (Stats.Median(list.Select(r => r.Rate)), Stats.Median(ratios), Stats.Median(list.Select(r => 1e6 / r.Rate - 1e6 / r.Base)), $"{ratios.Min():0.00}–{ratios.Max():0.00}");
}

(double Rate, long Errors) Wrk(IContender contender, RouterSetup setup)
{
    Install(contender, setup);
    var output = BenchLab.Check(lab.Network.Client(1), "wrk", "-t1", $"-c{Concurrency}", $"-d{seconds}s", "-H", "Connection: close", $"http://{LabTopology.ServiceAddress}:{HttpPort}/");
    var rate = double.Parse(Regex.Match(output, @"Requests/sec:\s+([0-9.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
    var socketErrors = Regex.Match(output, @"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)");
    var errors = socketErrors.Success ? Enumerable.Range(1, 4).Sum(g => long.Parse(socketErrors.Groups[g].Value)) : 0;
    return (rate, errors);
}

double Iperf(IContender contender, RouterSetup setup)
{
    Install(contender, setup);
    var json = BenchLab.Check(lab.Network.Client(1), "iperf3", "-c", LabTopology.ServiceAddress.ToString(), "-p", IperfPort.ToString(), "-P", "4", "-t", seconds.ToString(), "-J");
    using var doc = JsonDocument.Parse(json);
    return doc.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
}

void Install(IContender contender, RouterSetup setup)
{
    RouterReset.Run(lab);
    // Only the ISPs the previous measurement used hold its connections.
    lab.ForgetConnections(used);
    used = setup.Uplinks;
    contender.Install(lab, setup);
}

int Arg(string name, int byDefault)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : byDefault;
}

internal sealed record Variant(string Name, IContender Contender, RouterSetup Setup, string Group)
{
    public string Label => Group == "pool" ? $"{Name}, pool {Setup.Pool}" : $"{Name}, {Setup.Uplinks} uplinks";
}
