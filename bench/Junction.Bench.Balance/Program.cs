using System.Globalization;
using System.Net;
using Junction.Bench.Contenders;
using Junction.Bench.Lab;
using Junction.Bench.Report;
using Junction.Lab;
using Junction.Model;

// Balance accuracy: 1,000 real connections per case through the lab router, counted per
// uplink by the source address the server saw, for Junction and what users use instead.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
// `-- clients`: only the 20,000-client spread and stickiness (a section of its own).
if (args.Contains("clients"))
{
    await Junction.Bench.Balance.ManyClients.Run();
    return;
}
const int Connections = 1000;
const int Clients = 20;
const int Servers = 5;
int[] uplinkCounts = [2, 3, 8];

IContender[] contenders =
[
    new JunctionContender(BalanceMode.RoundRobin), new JunctionContender(BalanceMode.Random), new JunctionContender(BalanceMode.HashSource),
    new KernelMultipath(0), new KernelMultipath(1),
    new IptablesRecipe(NthOrder.NewThenStatistic), new IptablesRecipe(NthOrder.EveryPacket), new IptablesRecipe(NthOrder.Fixed),
];
var scenarios = new[] { (Key: "1to1", Title: "one client to one server"), (Key: "20to5", Title: "20 clients to 5 servers") };

var section = new Section("Balance accuracy", "Junction.Bench.Balance");
await using var lab = BenchLab.Up(new LabOptions { Prefix = "jbbal", Uplinks = uplinkCounts.Max(), Clients = Clients, ExtraWanAddresses = 0 });
var t = lab.Topology;
var servers = Enumerable.Range(0, Servers).Select(s => new IPAddress([198, 51, 100, (byte)(10 + s)])).ToArray();
foreach (var address in servers) lab.StartService(address);

var results = new List<(string Scenario, RouterSetup Setup, IContender Contender, double[] Shares, int Failed)>();
foreach (var scenario in scenarios)
foreach (var uplinks in uplinkCounts)
foreach (var setup in new[] { RouterSetup.Equal(uplinks), RouterSetup.OneTwoThree(uplinks) })
foreach (var contender in contenders)
{
    RouterReset.Run(lab);
    contender.Install(lab, setup);
    var outcomes = scenario.Key == "1to1" ? await OneToOne() : await ManyToMany();
    var counts = new int[setup.Uplinks + 1];
    foreach (var o in outcomes.Where(o => o.Ok))
        counts[t.UplinkOf(o.Seen!.Address) is { } u && u <= setup.Uplinks ? u : 0]++;
    var ok = outcomes.Count(o => o.Ok);
    var shares = counts.Skip(1).Select(c => 100.0 * c / Math.Max(1, ok)).ToArray();
    var failed = outcomes.Count - ok + counts[0];
    results.Add((scenario.Key, setup, contender, shares, failed));
    if (outcomes.FirstOrDefault(o => !o.Ok) is { } first) Console.Error.WriteLine($"  first failure: {first.Error}");
    Console.Error.WriteLine($"{scenario.Key} {uplinks} uplinks {setup.WeightText,-16} {contender.Name,-30} worst {Worst(setup, shares),5:0.0} pp  [{string.Join(" ", counts.Skip(1))}]{(failed > 0 ? $" {failed} failed" : "")}");
}
RouterReset.Run(lab);

section.Line($"{Connections} TCP connections per case, opened through the lab router (rp_filter strict as built, loose on the uplinks where a contender sets it) to the lab's source-echo service; the server's view of each connection's source names its uplink. **One client to one server**: namespace c1 (10.9.0.11) to 198.51.100.10:7000, 32 at a time. **20 clients to 5 servers**: 20 client namespaces (10.9.0.11-30, real separate hosts, not extra addresses) each open 10 connections to each of 198.51.100.10-14, all at once. Weights 1:2:3 repeat over the uplinks (2 uplinks: 1:2; 8: 1:2:3:1:2:3:1:2). The worst deviation is the largest |share − target share| over the uplinks, in percentage points (0 is perfect).");
section.Line();
section.Line("Contenders, each installed on a freshly reset router:");
foreach (var c in contenders) section.Line($"- **{c.Name}**: {c.Description}");
section.Line("- The three iptables rows differ only in where the `statistic` match sits. *tutorial* is the line the issue quotes (`--ctstate NEW` first, then `statistic`, then the `connmark --mark 0` test): each rule's counter also counts connections an earlier rule already took. *counts packets* has no state test in front (DESIGN.md's seed recipe): the counter advances on every LAN packet. *fixed order* tests `--ctstate NEW` and `connmark --mark 0` before `statistic`, so rule K's counter only sees connections no earlier rule took, which is what `--every S..1` assumes.");
section.Line();

foreach (var scenario in scenarios)
{
    var cases = results.Where(r => r.Scenario == scenario.Key).Select(r => r.Setup).DistinctBy(s => (s.Uplinks, s.WeightText)).ToList();
    var table = new MarkdownTable(["worst deviation, pp", .. cases.Select(c => $"{c.Uplinks} × {c.WeightText}")]);
    var plot = new Plot("bars", $"Worst deviation from the target share, {scenario.Title} ({Connections} connections)", "uplinks × weights", "percentage points (lower is better)");
    plot.Groups.AddRange(cases.Select(c => $"{c.Uplinks} × {c.WeightText}"));
    foreach (var contender in contenders)
    {
        var worst = cases.Select(c => Find(scenario.Key, c, contender)).Select(r => Worst(r.Setup, r.Shares)).ToList();
        table.Row([$"{contender.Name}", .. worst.Select(w => $"{w:0.0}")]);
        plot.Series(contender.Name, worst);
    }
    section.Line($"### {char.ToUpper(scenario.Title[0])}{scenario.Title[1..]}").Line().Table(table);
    section.Line(plot.Save($"balance-{scenario.Key}")).Line();
}

var failures = results.Where(r => r.Failed > 0).ToList();
section.Line(failures.Count == 0
    ? "Every connection of every case was answered and attributed to a configured uplink."
    : $"Connections that failed or left by an unconfigured uplink: {string.Join("; ", failures.Select(f => $"{f.Scenario} {f.Setup.Uplinks} × {f.Setup.WeightText} {f.Contender.Name}: {f.Failed}"))}.");
section.Line();
section.Line("<details><summary>Per-uplink shares (percent of connections), every case</summary>").Line();
var detail = new MarkdownTable("case", "contender", "target", "measured", "worst, pp");
foreach (var r in results)
    detail.Row($"{r.Scenario} {r.Setup.Uplinks} × {r.Setup.WeightText}", r.Contender.Name,
        string.Join(" / ", r.Setup.TargetShares.Select(s => $"{s:0.0}")), string.Join(" / ", r.Shares.Select(s => $"{s:0.0}")), $"{Worst(r.Setup, r.Shares):0.0}");
section.Table(detail).Line("</details>").Line();

var summary = contenders.Select(c => (c.Name, Worst: results.Where(r => r.Contender == c).Max(r => Worst(r.Setup, r.Shares)))).ToList();
section.Line("Worst deviation over all twelve cases: " + string.Join(", ", summary.Select(s => $"{s.Name} {s.Worst:0.0} pp")) + ".");
section.Write();

(string Scenario, RouterSetup Setup, IContender Contender, double[] Shares, int Failed) Find(string scenario, RouterSetup setup, IContender contender) =>
    results.Single(r => r.Scenario == scenario && r.Setup.Uplinks == setup.Uplinks && r.Setup.WeightText == setup.WeightText && r.Contender == contender);

static double Worst(RouterSetup setup, double[] shares) => setup.TargetShares.Zip(shares, (target, share) => Math.Abs(share - target)).Max();

Task<IReadOnlyList<ConnectionOutcome>> OneToOne() => ConnectionDriver.RunAsync(new ConnectOptions
{
    Namespace = t.ClientNamespace(1), Server = new IPEndPoint(servers[0], LabTopology.ServicePort), Count = Connections, Parallel = 32,
});

async Task<IReadOnlyList<ConnectionOutcome>> ManyToMany()
{
    var each = Connections / (Clients * Servers);
    var runs = Enumerable.Range(1, Clients).SelectMany(k => servers.Select(s => ConnectionDriver.RunAsync(new ConnectOptions
    {
        Namespace = t.ClientNamespace(k), Server = new IPEndPoint(s, LabTopology.ServicePort), Count = each, Parallel = each,
    })));
    return (await Task.WhenAll(runs)).SelectMany(o => o).ToList();
}
