using System.Diagnostics;
using System.Globalization;
using Junction.Lab;
using Junction.Linux.Processes;

// Takeover time of an HA pair in the namespace lab: router 1 (master) loses power while
// 200 connections echo every 100 ms through it; how long until router 2 answers a new
// connection, and until the first echo of a held connection comes back through it.
// Every trial builds a fresh lab (two routers with conntrackd, keepalived and 'junction
// run', rendered by 'junction ha render'); traffic stays inside the lab's namespaces and
// every loop is bounded in count and time.

var trials = 10;
for (var i = 0; i < args.Length; i++)
    if (args[i] == "--trials" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 50)
        trials = n;
    else { Console.Error.WriteLine("usage: Junction.Bench.Takeover [--trials N (1-50, default 10)]"); return 2; }
if (Environment.UserName != "root") { Console.Error.WriteLine("takeover bench: needs root (it builds network namespaces)"); return 1; }
foreach (var tool in new[] { "keepalived", "conntrackd" })
    if (!CommandRunner.Current.Run("sh", ["-c", $"command -v {tool}"]).Ok) { Console.Error.WriteLine($"takeover bench: {tool} is not installed (./setup.sh installs it)"); return 1; }

var loadBefore = File.ReadAllText("/proc/loadavg").Split(' ')[0];
var results = new List<(double? NewConnection, double? Echo, int Broken, int Held, double Cut)>();
for (var t = 1; t <= trials; t++)
{
    var r = await Takeover.RunAsync();
    results.Add(r);
    Console.Error.WriteLine($"trial {t}: first new connection {Ms(r.NewConnection)}, first echo {Ms(r.Echo)}, {r.Broken} of {r.Held} held connections broke (freeze to links down {Ms(r.Cut)})");
}
var kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
var newConn = results.Where(r => r.NewConnection is not null).Select(r => r.NewConnection!.Value).ToList();
var echo = results.Where(r => r.Echo is not null).Select(r => r.Echo!.Value).ToList();
Console.WriteLine($"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} CPUs, Linux {kernel}, with `dotnet run -c Release --project bench/Junction.Bench.Takeover -- --trials {trials}` (as root); 1-minute load average {loadBefore} before, {File.ReadAllText("/proc/loadavg").Split(' ')[0]} after.");
Console.WriteLine();
Console.WriteLine("| from the power cut of the master to | trials | median | max |");
Console.WriteLine("|---|---|---|---|");
Console.WriteLine($"| the first new connection answered through the standby | {newConn.Count} of {trials} | {Ms(Median(newConn))} | {Ms(newConn.Count > 0 ? newConn.Max() : null)} |");
Console.WriteLine($"| the first echo on a held connection | {echo.Count} of {trials} | {Ms(Median(echo))} | {Ms(echo.Count > 0 ? echo.Max() : null)} |");
Console.WriteLine();
Console.WriteLine($"Held connections broken: {results.Sum(r => r.Broken)} of {results.Sum(r => r.Held)} ({trials} trials of {results.FirstOrDefault().Held}). From the freeze to every link down (one exec of `ip` apart) took {Ms(Median([.. results.Select(r => r.Cut)]))} median, {Ms(results.Max(r => r.Cut))} max; the times above count from the freeze.");
return 0;

static string Ms(double? ms) => ms is { } v ? $"{v.ToString("0", CultureInfo.InvariantCulture)} ms" : "never";

static double? Median(List<double> v)
{
    if (v.Count == 0) return null;
    v = [.. v.Order()];
    return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
}

internal static class Takeover
{
    private const int Held = 200;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static async Task<(double? NewConnection, double? Echo, int Broken, int Held, double Cut)> RunAsync()
    {
        var prefix = "jbt" + Guid.NewGuid().ToString("N")[..6];
        var lab = LabNetwork.Up(HaLabBuilder.Options(new LabOptions { Prefix = prefix, Uplinks = 3 }));
        var daemons = new List<Process>();
        try
        {
            await using var server = LabServer.Start(lab.Topology);
            var pair = new HaPair(lab.Topology, lab.StateDirectory);
            foreach (var r in new[] { 1, 2 }) pair.WriteFiles(r, [1, 1, 1]);
            foreach (var r in new[] { 1, 2 })
            {
                pair.StartConntrackd(r);
                daemons.Add(Process.Start(new ProcessStartInfo("ip", ["netns", "exec", lab.Topology.RouterNamespaceOf(r), Dotnet, CliDll, "run", "-c", pair.ConfigPath(r), "--socket", pair.SocketPath(r)])
                    { RedirectStandardOutput = true, RedirectStandardError = true })!);
                daemons[^1].BeginOutputReadLine();
                daemons[^1].BeginErrorReadLine();
                pair.StartKeepalived(r);
            }
            await Until(() => pair.Role(1) == "MASTER" && pair.Role(2) == "BACKUP", "router 1 master, router 2 backup");
            await Until(() => Balanced(pair, 1) && Balanced(pair, 2), "both routers balancing over 3 uplinks");

            var client = new ConnectOptions { Namespace = lab.Topology.ClientNamespace(1), Server = lab.Topology.Service, Count = Held, Timeout = TimeSpan.FromSeconds(10) };
            await using var held = await ConnectionDriver.OpenAsync(client);
            await using var load = StreamingLoad.Start(held, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(15));
            if (!await load.FlowingAsync(3, Patience)) throw new TimeoutException("held connections do not echo");
            var conf = Path.Combine(pair.Directory(2), "conntrackd.conf");
            var ports = held.Outcomes.Select(o => $"sport={o.Local!.Port} ").ToList();
            await Until(() => pair.Router(2).Run("conntrackd", "-C", conf, "-e").Stdout is var cache && ports.All(p => cache.Contains(p, StringComparison.Ordinal)), "router 2 has every connection");
            await Task.Delay(500);

            // The clock starts when router 1's processes are frozen (its adverts stop there;
            // the shell reports the moment), but only connections opened and lines sent after
            // the cut is complete (every link down) count: until then router 1's kernel still
            // forwards, and those would be its answers, not the standby's.
            var wallAtStart = DateTimeOffset.UtcNow;
            var tickAtStart = Stopwatch.GetTimestamp();
            var frozenAt = pair.PowerCut(1);
            var cutDone = load.Mark();
            var cut = tickAtStart + (long)((frozenAt - wallAtStart).TotalSeconds * Stopwatch.Frequency);
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var firstNew = await FirstNewConnection(client with { Count = 1, Timeout = TimeSpan.FromMilliseconds(500) }, stop.Token);
            if (!await load.FlowingAsync(5, Patience)) throw new TimeoutException("held connections do not echo after the takeover");
            var echoAt = load.FirstEchoAfterMark;
            var broken = (await load.StopAsync()).Count(b => b is not null);
            return (firstNew is { } f ? Stopwatch.GetElapsedTime(cut, f).TotalMilliseconds : null,
                echoAt is { } e ? Stopwatch.GetElapsedTime(cut, e).TotalMilliseconds : null, broken, Held,
                Stopwatch.GetElapsedTime(cut, cutDone).TotalMilliseconds);
        }
        finally
        {
            foreach (var d in daemons) { if (!d.HasExited) d.Kill(entireProcessTree: true); d.Dispose(); }
            lab.Dispose();
        }
    }

    /// <summary>Opens a new connection every 10 ms (each with a short deadline) until one succeeds; the timestamp it completed.</summary>
    private static async Task<long?> FirstNewConnection(ConnectOptions one, CancellationToken stop)
    {
        var attempts = new List<Task<long?>>();
        while (!stop.IsCancellationRequested)
        {
            attempts.Add(Task.Run(async () =>
            {
                var outcome = (await ConnectionDriver.RunAsync(one, CancellationToken.None)).Single();
                return outcome.Ok ? Stopwatch.GetTimestamp() : (long?)null;
            }));
            var done = attempts.Where(a => a.IsCompletedSuccessfully && a.Result is not null).Select(a => a.Result).Min();
            if (done is not null) return done;
            await Task.Delay(10, CancellationToken.None);
        }
        return null;
    }

    private static bool Balanced(HaPair pair, int r) =>
        pair.Router(r).Run("nft", "list", "chain", "inet", "junction", "choose").Stdout is var c && c.Contains("mark_isp1") && c.Contains("mark_isp2") && c.Contains("mark_isp3");

    private static async Task Until(Func<bool> done, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!done())
        {
            if (waited.Elapsed > Patience) throw new TimeoutException($"not within {Patience.TotalSeconds} s: {what}");
            await Task.Delay(50);
        }
    }

    private static string CliDll => Path.Combine(AppContext.BaseDirectory, "junction.dll");

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}
