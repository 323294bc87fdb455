using System.Net;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Junction.Bench.Failover;
using Junction.Linux.Namespaces;
using Junction.Linux.Netlink;
using Junction.Lab;
using Junction.Linux.Processes;

// Failover time of 'junction run' in the namespace lab, for a blackholed uplink (carrier
// stays up: the probes must notice), for carrier loss (rtnetlink tells at once), and for
// both tier-1 uplinks blackholed at once with a reserve uplink in tier 2, and for a
// blackhole under traffic to many destinations (passive health). --false-alarm SECONDS
// also runs a dead destination (one server address stops answering on every uplink) under
// the same traffic and counts the daemon's state changes and suspicions.
// Every trial starts a fresh daemon, so damping holds of earlier trials do not count.
// Traffic stays inside the lab's namespaces; every loop is bounded in count and time.

var trials = 10;
string[] cases = ["blackhole", "carrier", "tier", "traffic"];
var falseAlarm = 0;
var verbose = false;
// --baseline DLL: another build's junction.dll (e.g. the commit before a change), run in
// the same lab, trial by trial alternately with this build's, so both meet the same load.
// A path ending in .dll runs through dotnet (JIT); anything else is run as it is (the
// native build, .build/native/junction). --daemon PATH: this build's daemon (default: the
// JIT build next to the benchmark).
string? baseline = null;
string? daemonPath = null;
// --router-interfaces N: the router also holds N veth pairs (2N interfaces) that Junction has
// nothing to do with, as a PPPoE concentrator holds its sessions' interfaces.
var routerInterfaces = 0;
for (var i = 0; i < args.Length; i++)
    if (args[i] == "--verbose") verbose = true;
    else if (args[i] == "--baseline" && i + 1 < args.Length && File.Exists(args[i + 1])) baseline = Path.GetFullPath(args[++i]);
    else if (args[i] == "--daemon" && i + 1 < args.Length && File.Exists(args[i + 1])) daemonPath = Path.GetFullPath(args[++i]);
    else if (args[i] == "--every" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out var every) && every is >= 1 and <= 100)
        FailoverBench.Every = TimeSpan.FromMilliseconds(every);
    else if (args[i] == "--cases" && i + 1 < args.Length && args[++i].Split(',') is var wanted && wanted.All(cases.Contains))
        cases = wanted;
    else if (args[i] == "--false-alarm" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out var f) && f is >= 1 and <= 3600)
        falseAlarm = f;
    else if (args[i] == "--router-interfaces" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out var ri) && ri is >= 0 and <= 5000)
        routerInterfaces = ri;
    else if (args[i] == "--trials" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 100)
        trials = n;
    else { Console.Error.WriteLine("usage: Junction.Bench.Failover [--trials N (1-100, default 10)] [--cases blackhole,carrier,tier,traffic (default: all)] [--false-alarm SECONDS (also measure a dead destination)] [--verbose: the daemon log on stderr] [--daemon PATH: junction.dll or a native junction] [--every MS: a new client connection every MS ms (default 10)] [--baseline PATH: alternate trials with that build] [--router-interfaces N: N more veth pairs in the router, as a concentrator's sessions (0-5000)]"); return 2; }
if (Environment.UserName != "root") { Console.Error.WriteLine("failover bench: needs root (it builds network namespaces)"); return 1; }

var loadBefore = File.ReadAllText("/proc/loadavg").Split(' ')[0];
var prefix = "jbf" + Guid.NewGuid().ToString("N")[..6];
var lab = LabNetwork.Up(new LabOptions { Prefix = prefix, Uplinks = 3 });
if (routerInterfaces > 0)
{
    var batch = Path.GetTempFileName();
    File.WriteAllLines(batch, Enumerable.Range(0, routerInterfaces).Select(i => $"link add s{i} type veth peer name t{i}")
        .Concat(Enumerable.Range(0, routerInterfaces).Select(i => $"link set s{i} up")));
    try
    {
        lab.Router.Check("ip", "-batch", batch);
    }
    finally
    {
        File.Delete(batch);
    }
}
var results = new List<Trial>();
string? alarms = null;
try
{
    await using var server = LabServer.Start(lab.Topology);
    var bench = new FailoverBench(lab, verbose);
    bench.AddDestinations();
    static string Kind(string path) => path.EndsWith(".dll", StringComparison.Ordinal) ? "JIT" : "native";
    var mine = daemonPath ?? Path.Combine(AppContext.BaseDirectory, "junction.dll");
    var daemons = new List<(string Name, string Dll)> { ($"this build ({Kind(mine)})", mine) };
    if (baseline is not null) daemons.Add(($"baseline ({Kind(baseline)})", baseline));
    foreach (var kind in cases)
        for (var t = 1; t <= trials; t++)
            foreach (var (name, dll) in daemons)
            {
                var trial = await bench.RunAsync(kind, t, dll) with { Daemon = name };
                results.Add(trial);
                Console.Error.WriteLine($"{kind} #{t} ({name}): first connection elsewhere {Ms(trial.FirstElsewhere)}, last to the dead uplink {Ms(trial.LastToDead)} ({trial.Attempts} attempts){(trial.Passive ? ", found by passive health" : "")}; daemon log after the fault: {trial.Steps}");
            }
    if (falseAlarm > 0) alarms = await bench.DeadDestinationAsync(TimeSpan.FromSeconds(falseAlarm));
}
finally
{
    lab.Dispose();
}

Console.WriteLine(Report(results, string.Join(' ', args), loadBefore, File.ReadAllText("/proc/loadavg").Split(' ')[0], baseline is not null));
if (alarms is not null) Console.WriteLine("\n" + alarms);
return 0;

static string Ms(double? ms) => ms is { } v ? $"{v.ToString("0", CultureInfo.InvariantCulture)} ms" : "never";

static string Report(List<Trial> results, string arguments, string loadBefore, string loadAfter, bool compared)
{
    static double Median(List<double> v) { v.Sort(); return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2; }
    var kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
    var lines = new List<string>
    {
        $"Measured {DateTime.UtcNow:yyyy-MM-dd} on {Environment.ProcessorCount} CPUs, Linux {kernel}, with `dotnet run -c Release --project bench/Junction.Bench.Failover -- {arguments}` (as root); 1-minute load average {loadBefore} before, {loadAfter} after.",
        "",
        "| case | daemon | trials | first new connection through another uplink: median / max | last new connection to the dead uplink: median / max | link event read by the benchmark; daemon log: link event / health change / applied / flushed (ms after the fault, medians) |",
        "|---|---|---|---|---|---|",
    };
    foreach (var group in results.GroupBy(r => (r.Case, r.Daemon)))
    {
        var first = group.Where(r => r.FirstElsewhere is not null).Select(r => r.FirstElsewhere!.Value).ToList();
        var never = group.Count(r => r.FirstElsewhere is null);
        var last = group.Select(r => r.LastToDead).ToList();
        var name = group.Key.Case switch
        {
            "blackhole" => "blackhole in the ISP (carrier up, probes notice)",
            "carrier" => "carrier loss at the ISP end (link event)",
            "traffic" => $"blackhole with traffic: {FailoverBench.TrafficRate} new connections/s to {FailoverBench.TrafficDestinations} destinations besides the measured ones ({group.Count(r => r.Passive)} of {group.Count()} found by passive health)",
            _ => "both tier-1 ISPs blackholed, to the tier-2 reserve",
        };
        string Step(Func<Trial, double?> at) => group.Select(at).Where(v => v is not null).Select(v => v!.Value).ToList() is { Count: > 0 } v ? Ms(Median(v)) : "–";
        lines.Add($"| {name} | {group.Key.Daemon} | {group.Count()} | {Ms(first.Count > 0 ? Median(first) : null)} / {Ms(first.Count > 0 ? first.Max() : null)}{(never > 0 ? $" ({never} never)" : "")} | {Ms(Median(last))} / {Ms(last.Max())} | " +
            $"{Step(t => t.KernelEvent)}; {Step(t => t.LinkLogged)} / {Step(t => t.DownLogged)} / {Step(t => t.AppliedLogged)} / {Step(t => t.FlushedLogged)} |");
    }
    return string.Join('\n', lines);
}

namespace Junction.Bench.Failover
{
    /// <summary>One lab, a fresh daemon per trial, a client opening a connection every 10 ms.</summary>
    internal sealed partial class FailoverBench(LabNetwork lab, bool verbose)
    {
        /// <summary>The client's cadence: the first connection after the apply waits half of it on average.</summary>
        public static TimeSpan Every { get; set; } = TimeSpan.FromMilliseconds(10);
        private static readonly TimeSpan FaultAfter = TimeSpan.FromMilliseconds(300);
        private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(2500);
        // Far below the first SYN retransmission (1 s): a connection whose SYN went into the
        // dead uplink fails instead of being rescued later by the conntrack flush.
        private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMilliseconds(500);

        private readonly List<string> _log = [];
        // The ISPs' ends of their links to the router, switched in process (see LinkSwitch).
        private readonly Dictionary<int, LinkSwitch> _links = [];

        private LabTopology T => lab.Topology;

        public const int TrafficRate = 60, TrafficDestinations = 12;

        private IReadOnlyList<IPEndPoint> _destinations = [];

        /// <summary>Addresses on the server's loopback for the traffic (no listener: a SYN gets a RST, an answer all the same).</summary>
        public void AddDestinations()
        {
            var list = Enumerable.Range(21, TrafficDestinations).Select(i => IPAddress.Parse($"198.51.100.{i}")).ToList();
            foreach (var a in list) lab.Server.Check("ip", "addr", "add", $"{a}/32", "dev", "lo");
            _destinations = [.. list.Select(a => new IPEndPoint(a, 7000))];
        }

        private Task<TrafficCounts> Traffic(CancellationToken stop) =>
            TrafficLoop.RunAsync(T.ClientNamespace(1), _destinations, TrafficRate, TimeSpan.FromSeconds(1), stop);

        /// <summary>
        /// One server address stops answering on every uplink for <paramref name="length"/>
        /// while the traffic runs (the dead address is one of its destinations): state
        /// changes and suspicions the daemon logged meanwhile.
        /// </summary>
        public async Task<string> DeadDestinationAsync(TimeSpan length)
        {
            var config = Path.Combine(lab.StateDirectory, "false-alarm.yaml");
            File.WriteAllText(config, $"""
                lan: [lan]
                balance: round-robin
                uplinks:
                  - {"{"} name: isp1, interface: {T.WanInterface(1)}, gateway: {T.IspGateway(1)} {"}"}
                  - {"{"} name: isp2, interface: {T.WanInterface(2)}, gateway: {T.IspGateway(2)} {"}"}

                """);
            using var daemon = StartDaemon(config);
            try
            {
                await Until(() => BalancedOver() == 2, "the daemon balancing over both uplinks");
                int Count(string text) { lock (_log) return _log.Count(l => l.Contains(text, StringComparison.Ordinal)); }
                var before = (Count(" -> "), Count("suspect"));
                var dead = _destinations[0].Address;
                lab.Server.Run("nft", ["-f", "-"],
                    $"table inet dead {{\n chain pre {{ type filter hook prerouting priority -300; policy accept; ip daddr {dead} drop; }}\n}}\n").Check();
                using var stop = new CancellationTokenSource(length);
                var counts = await Traffic(stop.Token);
                lab.Server.Check("nft", "delete", "table", "inet", "dead");
                var changes = Count(" -> ") - before.Item1;
                var suspicions = Count("suspect") - before.Item2;
                return $"Dead destination ({dead} dropped by the server on every uplink) for {length.TotalSeconds:0} s under " +
                    $"{TrafficRate} new connections/s to {TrafficDestinations} destinations, round-robin over 2 uplinks, default settings: " +
                    $"{counts.Tried} connections tried, {counts.Unanswered} unanswered; {changes} health state changes, {suspicions} passive suspicions.";
            }
            finally
            {
                if (!daemon.HasExited)
                {
                    CommandRunner.Current.Run("kill", "-TERM", daemon.Id.ToString(CultureInfo.InvariantCulture));
                    if (!daemon.WaitForExit(10_000)) daemon.Kill(entireProcessTree: true);
                }
            }
        }

        private bool Logged(string text) { lock (_log) return _log.Any(l => l.Contains(text, StringComparison.Ordinal)); }

        public async Task<Trial> RunAsync(string kind, int number, string dll)
        {
            var config = Path.Combine(lab.StateDirectory, "failover.yaml");
            Directory.CreateDirectory(lab.StateDirectory);
            // hash-source: the one client always uses one uplink, so until failover every
            // new connection of it goes to the dead uplink, and then none does. In the tier
            // case isp3 is a tier-2 reserve and both tier-1 uplinks are broken.
            var tiered = kind == "tier";
            // With traffic: hash-source-destination, so the measured connections (one
            // destination) keep to one uplink while the traffic to many is spread over both.
            File.WriteAllText(config, $"""
                lan: [lan]
                balance: {(kind == "traffic" ? "hash-source-destination" : "hash-source")}
                uplinks:
                  - {"{"} name: isp1, interface: {T.WanInterface(1)}, gateway: {T.IspGateway(1)} {"}"}
                  - {"{"} name: isp2, interface: {T.WanInterface(2)}, gateway: {T.IspGateway(2)} {"}"}

                """ + (tiered ? $"  - {{ name: isp3, interface: {T.WanInterface(3)}, gateway: {T.IspGateway(3)}, tier: 2 }}\n" : ""));
            using var daemon = StartDaemon(config, dll);
            try
            {
                await Until(() => BalancedOver() == 2, "the daemon balancing over both tier-1 uplinks");
                // The reserve must be known healthy before the fault, or the fault would fall back to the main table.
                if (tiered) await Until(() => Logged("uplink isp3: unknown -> up"), "the reserve uplink up");
                var victim = (await Attempt(Stopwatch.StartNew())).Uplink ?? throw new InvalidOperationException("the first connection failed");
                var victims = tiered ? new HashSet<int> { 1, 2 } : [victim];
                using var stopTraffic = new CancellationTokenSource();
                var traffic = kind == "traffic" ? Traffic(stopTraffic.Token) : Task.CompletedTask;
                if (kind == "traffic") await Task.Delay(TimeSpan.FromSeconds(1));   // handshake times measured, other uplinks answering
                // The kernel's own link event, as a listener of the benchmark's own in the router
                // reads it: tells the fault command's time apart from the daemon's.
                DateTime? carrierEvent = null;
                using var links = kind == "carrier" ? NamespaceThread.Run(T.RouterNamespace, RtnetlinkListener.Open) : null;
                var watch = links is null ? Task.CompletedTask : Task.Factory.StartNew(() =>
                {
                    while (links.Events.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                        while (links.Events.TryRead(out var e))
                            if (carrierEvent is null && e is LinkStateChanged { HasCarrier: false } c && victims.Any(v => c.Name == T.WanInterface(v)))
                                carrierEvent = DateTime.UtcNow;
                }, TaskCreationOptions.LongRunning);
                // The sockets that will set the links down are opened now, outside the timed part.
                if (kind == "carrier") foreach (var v in victims) Link(v);
                var (attempts, faultAt) = await Measure(kind, victims);
                await stopTraffic.CancelAsync();
                await traffic;
                // The daemon's own log, stamped to the millisecond: when it read the link event,
                // decided, applied and flushed, counted from the fault like the connections.
                await Task.Delay(200);
                foreach (var v in victims) Restore(kind, v);
                double? After(string text)
                {
                    lock (_log)
                        foreach (var line in _log)
                            if (line.Contains(text, StringComparison.Ordinal) && line.Length > 24
                                && DateTime.TryParse(line[..24], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
                                && at >= faultAt.AddMilliseconds(-1))
                                return (at - faultAt).TotalMilliseconds;
                    return null;
                }
                return Trial.From(kind, number, victims, attempts) with
                {
                    Passive = Logged("-> down (passive:"),
                    LinkLogged = After("carrier lost"),
                    DownLogged = After("-> down"),
                    AppliedLogged = After("applied: "),
                    FlushedLogged = After("conntrack: deleted"),
                    KernelEvent = carrierEvent is { } k ? (k - faultAt).TotalMilliseconds : null,
                };
            }
            finally
            {
                if (!daemon.HasExited)
                {
                    CommandRunner.Current.Run("kill", "-TERM", daemon.Id.ToString(CultureInfo.InvariantCulture));
                    if (!daemon.WaitForExit(10_000)) daemon.Kill(entireProcessTree: true);
                }
            }
        }

        private async Task<(List<Attempt>, DateTime)> Measure(string kind, IReadOnlySet<int> victims)
        {
            var clock = Stopwatch.StartNew();
            var running = new List<Task<Attempt>>();
            // The fault on a thread of its own, at a moment drawn within one client interval:
            // a link fails whenever it fails, not just before the client's next attempt, and
            // the client does not wait for the fault (a blackhole's is a process, a few ms).
            var due = FaultAfter + Every * Random.Shared.NextDouble();
            var breaking = Task.Factory.StartNew(() =>
            {
                if (due - clock.Elapsed is { Ticks: > 0 } wait) Thread.Sleep(wait);
                var at = (clock.Elapsed.TotalMilliseconds, DateTime.UtcNow);
                if (verbose) Console.Error.WriteLine($"fault at {at.UtcNow:HH:mm:ss.fff}");
                foreach (var v in victims) Fault(kind, v);
                return at;
            }, TaskCreationOptions.LongRunning);
            // Each attempt's socket is made during the wait before it (a thread that joins the
            // client's namespace: 0.4 ms, several under load), so an attempt starts with its SYN.
            var next = ConnectionDriver.NewSocket(Options());
            try
            {
                while (clock.Elapsed < Window)
                {
                    running.Add(Attempt(clock, next));
                    var wait = Task.Delay(Every);
                    next = ConnectionDriver.NewSocket(Options());
                    await wait;
                }
            }
            finally
            {
                next.Dispose();
            }
            var (fault, faultAt) = await breaking;
            var done = await Task.WhenAll(running);
            return ([.. done.Select(a => a with { Start = a.Start - fault, End = a.End - fault })], faultAt);
        }

        private ConnectOptions Options() => new()
        {
            Namespace = T.ClientNamespace(1),
            Server = T.Service,
            Count = 1,
            Timeout = AttemptTimeout,
        };

        /// <param name="socket">made beforehand in the client's namespace; null: made here, inside the attempt's time.</param>
        private async Task<Attempt> Attempt(Stopwatch clock, System.Net.Sockets.Socket? socket = null)
        {
            var start = clock.Elapsed.TotalMilliseconds;
            var outcome = socket is null
                ? (await ConnectionDriver.RunAsync(Options()))[0]
                : await ConnectionDriver.ConnectAsync(socket, Options());
            var uplink = outcome.Seen is { } seen ? T.UplinkOf(seen.Address) : null;
            return new Attempt(start, clock.Elapsed.TotalMilliseconds, outcome.Ok, uplink);
        }

        /// <summary>
        /// The fault, by the quickest way in: time is counted from just before it, so its own
        /// duration counts against Junction. A carrier loss is the ISP's end of the link set
        /// down by an rtnetlink request from this process on a socket opened beforehand in the
        /// ISP's namespace (until 2026-11-30 `ip -n ISP link set router down`, whose process
        /// start took 3–5 ms of every trial before the kernel saw the change); a blackhole is
        /// an nft drop rule through `nsenter` (no 'ip netns exec', whose mount-namespace set-up
        /// costs tens of ms).
        /// </summary>
        private void Fault(string kind, int isp)
        {
            var ns = T.IspNamespace(isp);
            if (kind == "carrier")
                Link(isp).Down();
            // "blackhole", "traffic", and "tier" (the same for each tier-1 ISP)
            else
                CommandRunner.Current.Run("nsenter", [$"--net=/run/netns/{ns}", "nft", "-f", "-"],
                    "table inet blackhole {\n chain pre { type filter hook prerouting priority -300; policy accept; iifname \"router\" drop; }\n}\n").Check();
        }

        private LinkSwitch Link(int isp)
        {
            if (!_links.TryGetValue(isp, out var link))
                _links[isp] = link = new LinkSwitch(T.IspNamespace(isp), LabTopology.IspRouterSide);
            return link;
        }

        private void Restore(string kind, int isp)
        {
            if (kind == "carrier")
            {
                Link(isp).Up();
                // Taking the link down took the ISP's route back to the LAN with it.
                lab.Isp(isp).Check("ip", "route", "replace", "10.9.0.0/16", "via", T.WanAddress(isp).ToString());
            }
            else
                lab.Isp(isp).Check("nft", "delete", "table", "inet", "blackhole");
        }

        private Process StartDaemon(string config, string? dll = null)
        {
            var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
            var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            var program = dll ?? Path.Combine(AppContext.BaseDirectory, "junction.dll");
            string[] run = program.EndsWith(".dll", StringComparison.Ordinal) ? [dotnet, program] : [program];
            foreach (var a in (string[])["netns", "exec", T.RouterNamespace, .. run, "run", "-c", config, "--socket", Path.ChangeExtension(config, ".sock")])
                psi.ArgumentList.Add(a);
            var process = Process.Start(psi)!;
            lock (_log) _log.Clear();
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (_log) _log.Add(e.Data);
                if (verbose) Console.Error.WriteLine($"daemon: {e.Data}");
            };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"daemon: {e.Data}"); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }

        /// <summary>How many uplinks the installed table balances over; 0 when none or no table.</summary>
        private int BalancedOver()
        {
            var table = lab.Router.Run("nft", "list", "table", "inet", "junction");
            var choose = table.Ok ? ChooseChain().Match(table.Stdout) : null;
            return choose is { Success: true } ? MarkGoto().Matches(choose.Groups[1].Value).Select(m => m.Value).Distinct().Count() : 0;
        }

        private static async Task Until(Func<bool> done, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!done())
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(15)) throw new TimeoutException($"not within 15 s: {what}");
                await Task.Delay(20);
            }
        }

        [GeneratedRegex(@"chain choose \{\n(.*?)\n\t\}", RegexOptions.Singleline)]
        private static partial Regex ChooseChain();

        [GeneratedRegex(@"goto mark_isp\d+")]
        private static partial Regex MarkGoto();
    }
}
