using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Junction.Bench.Contenders;
using Junction.Bench.KernelIo;
using Junction.Bench.Lab;
using Junction.Bench.Report;
using Junction.Linux.Conntrack;
using Junction.Linux.Lab;
using Junction.Linux.Namespaces;
using Junction.Linux.Observe;
using Junction.Linux.Processes;
using Junction.Model;

// Kernel I/O at scale: status and /metrics of a daemon whose router tracks 10k / 50k / 250k
// connections, read in process (ctnetlink) beside the former `conntrack -L` text path; the
// flush of one dead uplink's 50,000 entries; the child processes an idle daemon starts.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
const int Uplinks = 3;
const int Requests = 5;
int[] sizes = [10_000, 50_000, 250_000];
const int FlushEntries = 50_000;
var idleWindow = TimeSpan.FromSeconds(args.Contains("--quick") ? 10 : 60);

var section = new Section("Kernel I/O at scale", "Junction.Bench.KernelIo");
await using var lab = BenchLab.Up(new LabOptions { Prefix = "jbio", Uplinks = Uplinks, Clients = 1, ExtraWanAddresses = 0 });
var junction = new JunctionContender(BalanceMode.RoundRobin);
var model = junction.Model(lab, RouterSetup.Equal(Uplinks));
var marks = Enumerable.Range(1, Uplinks).Select(i => model.Marks.Value(i)).ToArray();
var dir = Path.Combine(lab.Network.StateDirectory, "kernelio");
Directory.CreateDirectory(dir);
var config = Path.Combine(dir, "junction.yaml");
File.WriteAllText(config, junction.Yaml(lab, RouterSetup.Equal(Uplinks)));
var socket = Path.Combine(dir, "junction.sock");
var router = lab.Topology.RouterNamespace;

using var daemon = Daemon.Start(router, config, socket);
try
{
    await Daemon.WaitForAnswer(daemon, socket);
    // An idle daemon: every child process it starts shows as an execve in strace -f.
    var execs = Daemon.CountExecs(daemon.Id, idleWindow);
    Console.Error.WriteLine($"idle daemon: {execs} execve over {idleWindow.TotalSeconds:0} s");

    var table = new MarkdownTable("live conntrack entries", "status, ms", "/metrics, ms", "daemon peak RSS above idle, MiB",
        "in-process read (KernelObserver), ms", "allocated per read, MiB", "before: `conntrack -L -o extended` + parse, ms", "before: allocated per read, MiB");
    var plot = new Plot("lines", "status with live conntrack entries", "live conntrack entries", "milliseconds") { LogX = true, LogY = true };
    var seriesStatus = new List<double>();
    var seriesBefore = new List<double>();
    var seeded = 0;
    var observer = new KernelObserver(lab.Router);
    using var http = Daemon.Client(socket);
    foreach (var size in sizes)
    {
        seeded += ConntrackSeeder.Insert(router, Seeds(seeded, size - seeded), timeoutSeconds: 3600);
        var mask = model.Marks.Mask;
        var counted = observer.Read(mask, model.Uplinks.Select(u => u.Name)).Connections.Sum(c => c.Count);
        if (counted != size) throw new InvalidOperationException($"seeded {size} entries but status counts {counted}");
        // The daemon's peak from here on: /proc/PID/clear_refs 5 resets VmHWM to the current RSS.
        File.WriteAllText($"/proc/{daemon.Id}/clear_refs", "5");
        var idle = Daemon.Kib(daemon.Id, "VmRSS");
        var status = new List<double>();
        var metrics = new List<double>();
        for (var r = 0; r < Requests; r++)
        {
            status.Add(await Timed(() => http.GetStringAsync("v1/status")));
            metrics.Add(await Timed(() => http.GetStringAsync("metrics")));
        }
        var peak = (Daemon.Kib(daemon.Id, "VmHWM") - idle) / 1024.0;
        var (inProcess, inProcessBytes) = Measure(() => observer.Read(mask, model.Uplinks.Select(u => u.Name)), Requests);
        var (before, beforeBytes) = Measure(() => ConntrackText.Parse(lab.Router.Run("conntrack", "-L", "-o", "extended").Check().Stdout)
            .GroupBy(c => (c.Mark & mask, c.ReplyDestination.ToString())).Where(g => g.Key.Item1 != 0)
            .Select(g => g.LongCount()).Sum(), size >= 250_000 ? 1 : 3);
        Console.Error.WriteLine($"{size}: status {Stats.Median(status):0.0} ms, metrics {Stats.Median(metrics):0.0} ms, peak +{peak:0.0} MiB, in-process {inProcess:0.0} ms, before {before:0} ms");
        table.Row($"{size:N0}", Range(status), Range(metrics), $"{peak:0.0}", $"{inProcess:0.0}", $"{inProcessBytes / 1048576.0:0.00}", $"{before:0}", $"{beforeBytes / 1048576.0:0}");
        seriesStatus.Add(Stats.Median(status));
        seriesBefore.Add(before);
    }
    plot.Series("status (daemon, in-process ctnetlink)", seriesStatus, sizes.Select(n => (double)n));
    plot.Series("before: conntrack -L text through a process", seriesBefore, sizes.Select(n => (double)n));

    section.Line($"A daemon (`junction run`, {Uplinks} uplinks, round-robin) in a lab router whose conntrack table is filled with UDP entries spread over the {Uplinks} uplinks' marks, each replying to its uplink's WAN address (created through ctnetlink in batches by `ConntrackSeeder`, timeout 1 h). *status* and */metrics* are the wall-clock times of `GET /v1/status` and `GET /metrics` on the daemon's control socket (median of {Requests}, min–max in brackets), each of which reads the counters (libnftables), the interface bytes (rtnetlink) and counts the live connections per mark and SNAT address with one streaming ctnetlink dump. *Daemon peak RSS above idle* is VmHWM after those {Requests * 2} requests minus VmRSS before them (VmHWM reset through `/proc/PID/clear_refs`). The last four columns are measured in the benchmark's own process on the same table: the in-process read (`KernelObserver.Read`) and, **before** this change, the way status read conntrack until now (`conntrack -L -o extended` through a process, its text parsed and grouped), with the managed bytes each allocated (`GC.GetTotalAllocatedBytes`).");
    section.Line();
    section.Table(table);
    section.Line(plot.Save("kernelio-status")).Line();
    section.Line($"An idle daemon (all {Uplinks} uplinks up, probes running, the periodic table check included) started **{execs}** child processes in {idleWindow.TotalSeconds:0} s: `strace -f -qq -e trace=execve -p PID` attached for that long counted {execs} `execve` calls. Before this change it ran `nft` for its table check and every status scrape ran `nft`, `conntrack` and `ip`.");
    section.Line();
}
finally
{
    Daemon.Stop(daemon);
}

// The flush of one dead uplink: 50,000 entries of its mark among 50,000 of each other uplink.
var flushTable = new MarkdownTable("flush of one uplink's 50,000 entries (100,000 of other uplinks beside them)", "ms", "entries deleted", "other uplinks' entries left");
foreach (var (label, flush) in new (string, Func<string, int>)[]
{
    ("kernel-filtered delete by mark (ctnetlink, what the daemon does)", ns => new ConntrackNetlink(ns).Delete(marks[1], model.Marks.Mask, Families.Dual)),
    ("dump by mark + one delete per entry, batched (ctnetlink; kernels before 4.19)", ns => new ConntrackNetlink(ns) { KernelFilteredDelete = false }.Delete(marks[1], model.Marks.Mask, Families.Dual)),
    ("before: `conntrack -D --mark` as a process", ns => Deleted(new CommandRunner(ns).Run("conntrack", "-D", "--mark", $"0x{marks[1]:x}/0x{model.Marks.Mask:x}"))),
})
{
    using var ns = NetworkNamespace.Create($"jbio-flush-{Environment.ProcessId}");
    var k = 0;
    foreach (var mark in marks) k += ConntrackSeeder.Insert(ns.Name, Seeds(k, FlushEntries, mark), timeoutSeconds: 3600);
    var clock = Stopwatch.StartNew();
    var deleted = flush(ns.Name);
    var ms = clock.Elapsed.TotalMilliseconds;
    using var left = new ConntrackNetlink(ns.Name);
    var others = marks.Where(m => m != marks[1]).Sum(m => left.Count(m, model.Marks.Mask, Families.Dual));
    if (left.Count(marks[1], model.Marks.Mask, Families.Dual) != 0 || others != 2 * FlushEntries)
        throw new InvalidOperationException($"{label}: left {others} of the other uplinks' entries");
    Console.Error.WriteLine($"flush, {label}: {ms:0.0} ms, {deleted} deleted, {others} others left");
    flushTable.Row(label, $"{ms:0.0}", deleted, $"{others:N0} of {2 * FlushEntries:N0}");
}
section.Line("Each way in a fresh namespace holding 50,000 entries of each of the three uplinks' marks; one run each, wall-clock (the kernel-filtered delete counts what it deleted from the namespace's entry count before and after; the per-entry way counts its answers). Afterwards the flushed mark has no entry left and every other uplink's entry is still there (checked, or the benchmark fails).");
section.Line();
section.Table(flushTable);
section.Write();

IEnumerable<ConntrackSeed> Seeds(int first, int count, uint? onlyMark = null)
{
    var server = LabTopology.ServiceAddress;
    for (var i = first; i < first + count; i++)
    {
        var uplink = onlyMark is null ? i % Uplinks + 1 : Array.IndexOf(marks, onlyMark.Value) + 1;
        var client = new IPAddress(new byte[] { 10, 60, (byte)(i / 60000 / 256), (byte)(i / 60000 % 256) });
        // Unique in both directions: replies of one uplink all go to its WAN address.
        yield return new ConntrackSeed(client, (ushort)(1024 + i % 60000), server, (ushort)(1000 + i / 60000), lab.Topology.WanAddress(uplink), onlyMark ?? model.Marks.Value(uplink));
    }
}

static async Task<double> Timed(Func<Task<string>> request)
{
    var clock = Stopwatch.StartNew();
    await request();
    return clock.Elapsed.TotalMilliseconds;
}

static (double Ms, double Bytes) Measure(Func<object> read, int runs)
{
    var ms = new List<double>();
    var bytes = new List<double>();
    for (var r = 0; r < runs; r++)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        read();
        ms.Add(clock.Elapsed.TotalMilliseconds);
        bytes.Add(GC.GetTotalAllocatedBytes(precise: true) - before);
    }
    return (Stats.Median(ms), Stats.Median(bytes));
}

static int Deleted(CommandResult result)
{
    var m = System.Text.RegularExpressions.Regex.Match(result.Stderr, @"(\d+) flow entries have been deleted");
    return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException(result.Stderr);
}

static string Range(List<double> ms) => $"{Stats.Median(ms):0.0} ({ms.Min():0.0}–{ms.Max():0.0})";
