using Junction.Planning.Nftables;
using System.Globalization;
using Junction.Bench.Contenders;
using Junction.Bench.ControlPlane;
using Junction.Bench.Lab;
using Junction.Bench.Report;
using Junction.Linux.Apply;
using Junction.Lab;
using Junction.Linux.Namespaces;
using Junction.Linux.Processes;
using Junction.Model;
using Junction.Planning;

// Control plane: how long planning and applying take as the configuration grows, and how
// long a health change takes to reach the kernel (plan with one uplink down + apply).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args is ["footprint", .. var footprintArgs])
{
    // Only the daemon's footprint and the CLI's start-up, for any junction program (docs/benchmarks.md, "Native build").
    await FootprintOnly.RunAsync(footprintArgs);
    return;
}
if (args is ["big-main", .. var bigMainArgs])
{
    // An apply beside a full BGP table in main, this build against a baseline (docs/benchmarks.md).
    BigMainTable.Run(bigMainArgs);
    return;
}
// 'apply' measures the applier alone (no daemon footprint), e.g. while profiling it.
var applyOnly = args is ["apply", ..];
const int Repeats = 9;
const int PoolSize = 1024;
const int DaemonUplinks = 8;
const int DaemonRuns = 3;
int[] uplinkCounts = [2, 16, 64];

var section = new Section("Control plane", "Junction.Bench.ControlPlane");
await using var lab = BenchLab.Up(new LabOptions { Prefix = "jbcp", Uplinks = uplinkCounts.Max(), Clients = 1, ExtraWanAddresses = 0 });
var junction = new JunctionContender(BalanceMode.RoundRobin);

var cases = uplinkCounts.Select(u => (Label: $"{u} uplinks", Model: junction.Model(lab, RouterSetup.Equal(u)))).ToList();
cases.Add(($"2 uplinks, isp1 with a {PoolSize:N0}-address SNAT pool", junction.Model(lab, RouterSetup.Equal(2),
    pool: i => i == 1 ? [.. Enumerable.Range(0, PoolSize).Select(k => $"10.102.{k / 256}.{k % 256}")] : [])));

var table = new MarkdownTable("configuration", "plan (pure), ms", "apply from nothing, ms", "kernel steps", "re-apply unchanged, ms", "health change → kernel, ms", "nft table, lines");
var plot = new Plot("bars", "Control plane: median times", "configuration", "milliseconds") { LogY = true };
plot.Groups.AddRange(cases.Select(c => c.Label.Replace(", isp1 with a", " +").Replace("-address SNAT pool", " pool")));
var rows = new List<double[]>();
// As the daemon does: from inside the router's namespace (this thread joins it), with the
// one libnftables context and netlink socket kept for the process's life.
NamespaceThread.Run(lab.Topology.RouterNamespace, () =>
{
var applier = new KernelApplier(CommandRunner.Current);
foreach (var (label, model) in cases)
{
    DesiredState plan = null!;
    var planMs = Stats.Median(Enumerable.Range(0, Repeats * 4).Select(_ => Stats.Milliseconds(() => plan = Planner.Plan(model))));
    var steps = 0;
    var cold = new List<double>();
    var noop = new List<double>();
    var health = new List<double>();
    for (var r = 0; r < Repeats; r++)
    {
        RouterReset.Run(lab);
        cold.Add(Stats.Milliseconds(() => steps = applier.Apply(plan).Changes.Count));
        noop.Add(Stats.Milliseconds(() => Expect(applier.Apply(plan).NoChanges, "a second apply of the same plan changed something")));
        // Down, then back up: both are health changes the daemon applies the same way. The
        // applier alone: the plans are made before the clock starts.
        var down = Planner.Plan(model, new HashSet<string> { "isp2" });
        var up = Planner.Plan(model);
        health.Add(Stats.Milliseconds(() => applier.Apply(down)));
        health.Add(Stats.Milliseconds(() => applier.Apply(up)));
    }
    var lines = NftText.Table(plan.Nft).Split('\n').Length;
    Console.Error.WriteLine($"{label}: plan {planMs:0.00} ms, apply {Stats.Median(cold):0} ms ({steps} steps), no-op {Stats.Median(noop):0} ms, health {Stats.Median(health):0} ms");
    table.Row(label, $"{planMs:0.00}", Range(cold), steps, Range(noop), Range(health), lines);
    rows.Add([planMs, Stats.Median(cold), Stats.Median(noop), Stats.Median(health)]);
}
});
RouterReset.Run(lab);
string[] series = ["plan (pure)", "apply from nothing", "re-apply unchanged", "health change → kernel"];
for (var s = 0; s < series.Length; s++) plot.Series(series[s], rows.Select(r => r[s]));

section.Line($"Junction's own applier (`KernelApplier`, what `junction apply` and the daemon run) inside the router of a {uplinkCounts.Max()}-uplink lab; `balance: round-robin`, masquerade per uplink. Times are medians of {Repeats} runs (min–max in brackets) of wall-clock time, from the call to its return, i.e. until the kernel holds the new state. *Apply from nothing* starts from a router reset to its built state; *kernel steps* is how many changes it made. Everything happens in the benchmark's process, no child process: the table in one libnftables transaction, sysctls written under /proc/sys, every route and rule change in one rtnetlink send with each answer checked; every apply first reads the kernel the same way (the table through libnftables, rules and routes through rtnetlink dumps, IPv4 forwarding and rp_filter through a netconf dump, other sysctls from /proc/sys; when no table is there, the table's transaction runs beside that read). *Re-apply unchanged* only reads the kernel back and finds nothing to do. *Health change → kernel* is what the daemon does when an uplink's health changes, measured here without the daemon: `Planner.Plan(model, {{isp2}})` plus `Apply`, alternately with isp2 down and back up (only the nftables table changes; rules and routes stay). The applier runs on a thread that joined the router's namespace, as the daemon runs inside it, keeping one libnftables context and one rtnetlink socket for the process's life.");
section.Line();
section.Line("**Before** this change (the same benchmark, run 2026-11-22 on this machine, when the applier read the kernel with four processes and wrote it with `nft -f`, `sysctl -w` and `ip -batch`): apply from nothing 25 / 33 / 38 ms for 2 / 16 / 64 uplinks, re-apply unchanged 12 / 13 / 16 ms, health change → kernel 33 / 26 / 39 ms.");
section.Line();
section.Table(table);
if (applyOnly)
{
    Console.WriteLine(table.ToString());
    return;
}
section.Line(plot.Save("controlplane")).Line();
// The daemon's own footprint: a fresh daemon per run over the first uplinks of the same lab.
var configPath = Path.Combine(lab.Network.StateDirectory, "footprint.yaml");
Directory.CreateDirectory(lab.Network.StateDirectory);
File.WriteAllText(configPath, junction.Yaml(lab, RouterSetup.Equal(DaemonUplinks)));
var footprints = new List<Footprint>();
for (var r = 0; r < DaemonRuns; r++)
{
    var f = await new DaemonFootprint(lab, configPath, DaemonUplinks).MeasureAsync();
    Console.Error.WriteLine($"daemon run {r + 1}: RSS {f.RssMiB:0.0} MiB, peak {f.HwmMiB:0.0} MiB, CPU {f.CpuPercent:0.00} % of a core");
    footprints.Add(f);
    RouterReset.Run(lab);
}
var daemonTable = new MarkdownTable($"daemon (`junction run`) with {DaemonUplinks} uplinks probing every 200 ms", "median", "min–max");
daemonTable.Row($"resident memory after {DaemonFootprint.WarmUp.TotalSeconds:0} s of warm-up (VmRSS), MiB", $"{Stats.Median(footprints.Select(f => f.RssMiB)):0.0}", MinMax(footprints.Select(f => f.RssMiB), "0.0"));
daemonTable.Row("peak resident memory (VmHWM), MiB", $"{Stats.Median(footprints.Select(f => f.HwmMiB)):0.0}", MinMax(footprints.Select(f => f.HwmMiB), "0.0"));
daemonTable.Row($"idle CPU over {DaemonFootprint.DefaultWindow.TotalSeconds:0} s (utime+stime), % of one core", $"{Stats.Median(footprints.Select(f => f.CpuPercent)):0.00}", MinMax(footprints.Select(f => f.CpuPercent), "0.00"));
section.Table(daemonTable);
section.Line($"The daemon as users run it (`ip netns exec ROUTER dotnet junction.dll run -c FILE --log-level warning`) in the same lab's router, `balance: round-robin` over isp1..isp{DaemonUplinks} with default probes (ICMP to each ISP gateway every 200 ms, so {DaemonUplinks * 5} probes a second), {DaemonRuns} runs, a fresh daemon each. Measured from outside through `/proc/PID`: VmRSS once it balances over all {DaemonUplinks} uplinks and has run {DaemonFootprint.WarmUp.TotalSeconds:0} s more, VmHWM (the peak, which includes start-up and the first applies) at the end, and utime+stime over the following {DaemonFootprint.DefaultWindow.TotalSeconds:0} s with nothing changing (every uplink healthy, no traffic), as a share of one core.");
section.Write();

static string MinMax(IEnumerable<double> values, string format) =>
    $"{values.Min().ToString(format, CultureInfo.InvariantCulture)}–{values.Max().ToString(format, CultureInfo.InvariantCulture)}";

static string Range(List<double> ms) => $"{Stats.Median(ms):0} ({ms.Min():0}–{ms.Max():0})";

static void Expect(bool condition, string what)
{
    if (!condition) throw new InvalidOperationException(what);
}
