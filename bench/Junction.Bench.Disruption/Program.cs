using System.Globalization;
using Junction.Bench.Contenders;
using Junction.Bench.Lab;
using Junction.Bench.Report;
using Junction.Lab;
using Junction.Model;

// Disruption: 1,000 long-lived connections are opened, the router's balancing is changed
// (weights, an uplink coming back, a reload that adds an uplink), and every connection is
// asked to echo a line end to end. A connection that no longer answers was broken.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
const int Held = 1000;
var echoTimeout = TimeSpan.FromSeconds(3);

var section = new Section("Disruption", "Junction.Bench.Disruption");
await using var lab = BenchLab.Up(new LabOptions { Prefix = "jbdis", Uplinks = 4, Clients = 1, ExtraWanAddresses = 0 });
var t = lab.Topology;
lab.StartService(LabTopology.ServiceAddress);

var equal = RouterSetup.Equal(3);
var weighted = RouterSetup.OneTwoThree(3);
var four = RouterSetup.Equal(4);
var all3 = new HashSet<int> { 1, 2, 3 };
var without2 = new HashSet<int> { 1, 3 };
var junction = new JunctionContender(BalanceMode.RoundRobin);
var iptables = new IptablesRecipe(NthOrder.Fixed);
var multipath = new KernelMultipath(1);

// (contender, change, install before the connections open, the change itself)
var cases = new List<(IContender Contender, string Change, Action Before, Action Act)>
{
    (junction, "weight change 1:1:1 → 1:2:3", () => junction.Apply(lab, equal), () => junction.Apply(lab, weighted)),
    (junction, "uplink recovery (isp2 down → up)", () => junction.Apply(lab, equal, "isp2"), () => junction.Apply(lab, equal)),
    (junction, "config reload adding a 4th uplink", () => junction.Apply(lab, equal), () => junction.Apply(lab, four)),
    (iptables, "weight change 1:1:1 → 1:2:3", () => iptables.Install(lab, equal), () => iptables.Load(lab, weighted, all3)),
    (iptables, "uplink recovery (isp2 down → up)", () => iptables.Install(lab, equal, without2), () => iptables.Load(lab, equal, all3)),
    (iptables, "config reload adding a 4th uplink", () => iptables.Install(lab, equal), () => { AddIptablesUplink(4); iptables.Load(lab, four, new HashSet<int> { 1, 2, 3, 4 }); }),
    (multipath, "weight change 1:1:1 → 1:2:3", () => multipath.Install(lab, equal), () => KernelMultipath.Route(lab, weighted, all3)),
    (multipath, "uplink recovery (isp2 down → up)", () => multipath.Install(lab, equal, without2), () => KernelMultipath.Route(lab, equal, all3)),
    (multipath, "config reload adding a 4th uplink", () => multipath.Install(lab, equal), () => { SetRpFilter(4); KernelMultipath.Route(lab, four, [1, 2, 3, 4]); }),
};

var table = new MarkdownTable("change", "contender", "held and answering before", "broken by the change", "change took, ms");
var plot = new Plot("bars", $"Established connections broken by a change (of {Held:N0})", "change", "connections broken (0 is the target)");
plot.Groups.AddRange(cases.Select(c => c.Change).Distinct());
var broken = new Dictionary<(IContender, string), int>();
foreach (var (contender, change, before, act) in cases)
{
    RouterReset.Run(lab);
    lab.ForgetConnections(t.Uplinks);
    before();
    await using var held = await ConnectionDriver.OpenAsync(new ConnectOptions
    {
        Namespace = t.ClientNamespace(1), Server = t.Service, Count = Held, Parallel = 64,
    });
    var alive = (await held.EchoAsync(echoTimeout)).Count(ok => ok);
    var took = Stats.Milliseconds(act);
    await Task.Delay(200);
    var after = await held.EchoAsync(echoTimeout);
    var answering = (await held.EchoAsync(echoTimeout)).Zip(after, (a, b) => a && b).Count(ok => ok);
    broken[(contender, change)] = alive - answering;
    Console.Error.WriteLine($"{contender.Name,-28} {change,-36} {alive} alive before, {alive - answering} broken ({took:0} ms)");
    table.Row(change, contender.Name, alive, alive - answering, $"{took:0}");
}
RouterReset.Run(lab);
foreach (var contender in cases.Select(c => c.Contender).Distinct())
    plot.Series(contender.Name, plot.Groups.Select(g => (double)broken[(contender, g)]));

section.Line($"{Held:N0} TCP connections from client c1 to the lab's echo service are opened and held, each proven to carry a line both ways; then the router's balancing changes, and 200 ms later every connection must echo a line again, twice, within {echoTimeout.TotalSeconds:0} s each. A connection that fails either echo counts as broken (reset, or silently moved to another uplink, whose ISP then answers with a reset because its NAT never saw the connection). Three uplinks in use, a fourth for the reload.");
section.Line();
section.Line("- **Junction round-robin**: each change is a new configuration or health state applied with `KernelApplier` (one atomic `nft -f` replacing the table, then rules/routes reconciled). The reload adds isp4 to the configuration.");
section.Line("- **iptables nth, fixed order**: the whole rule set reloaded with `iptables-restore` (what users do after editing it); the uplink that is down is simply left out of the chain. The reload adds rule, route and chain entries for a 4th uplink.");
section.Line("- **multipath L4**: `ip route replace default nexthop ...` with the new weights, or with the recovered / added nexthop, hash policy 1, per-uplink masquerade.");
section.Line();
section.Table(table);
section.Line(plot.Save("disruption")).Line();
section.Write();

void AddIptablesUplink(int i)
{
    BenchLab.IpBatch(lab.Router, [$"route replace default via {t.IspGateway(i)} dev {t.WanInterface(i)} table {IptablesRecipe.TableBase + i}", $"rule add priority {IptablesRecipe.RulePriority + i} fwmark {i} lookup {IptablesRecipe.TableBase + i}"]);
    SetRpFilter(i);
}

void SetRpFilter(int i) => BenchLab.Check(lab.Router, "sysctl", "-q", "-w", $"net.ipv4.conf.{t.WanInterface(i)}.rp_filter=2");
