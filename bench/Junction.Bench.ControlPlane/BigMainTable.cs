using System.Globalization;
using Junction.Bench.Report;
using Junction.Linux.Processes;

namespace Junction.Bench.ControlPlane;

/// <summary>
/// <c>dotnet run -c Release --project bench/Junction.Bench.ControlPlane -- big-main --cli PROGRAM --baseline PROGRAM [--routes N] [--runs N]</c>:
/// a router whose main table holds a full BGP-sized table (default 500,000 routes) and two
/// uplinks. Each program runs <c>apply</c> (the whole path: a fresh process remembers
/// nothing) with nothing to change, then with one uplink down and back, alternately; the
/// table is the same for both, so the difference is what an apply reads of it. Wall time and
/// peak RSS per run come from GNU time. Writes its section of docs/benchmarks.md.
/// </summary>
internal static class BigMainTable
{
    private const string Namespace = "jbbm";
    private const string Time = "/usr/bin/time";

    public static void Run(string[] args)
    {
        string? cli = null, baseline = null;
        var routes = 500_000;
        var runs = 5;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--cli": cli = args[++i]; break;
                case "--baseline": baseline = args[++i]; break;
                case "--routes": routes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown argument '{args[i]}' (big-main --cli PROGRAM --baseline PROGRAM [--routes N] [--runs N])");
            }
        }
        if (cli is null || baseline is null) throw new ArgumentException("big-main needs --cli PROGRAM and --baseline PROGRAM (two junction executables, e.g. .build/native/junction and an older build)");
        if (!File.Exists(Time)) throw new InvalidOperationException($"{Time} is missing: apt-get install time");

        var section = new Section("Apply beside a full BGP table", "Junction.Bench.ControlPlane",
            $"big-main --cli {cli} --baseline {baseline} --routes {routes} --runs {runs}");
        var run = CommandRunner.Current;
        var config = Path.Combine(Path.GetTempPath(), $"junction-big-main-{Environment.ProcessId}.yaml");
        var batch = Path.Combine(Path.GetTempPath(), $"junction-big-main-{Environment.ProcessId}.batch");
        run.Run("ip", "netns", "del", Namespace);
        run.Check("ip", "netns", "add", Namespace);
        try
        {
            In("ip", "link", "set", "lo", "up");
            foreach (var (wan, net) in new[] { ("wan1", 11), ("wan2", 12) })
            {
                In("ip", "link", "add", wan, "type", "veth", "peer", "name", wan + "p");
                In("ip", "addr", "add", $"10.{net}.0.2/24", "dev", wan);
                In("ip", "link", "set", wan + "p", "up");
                In("ip", "link", "set", wan, "up");
            }
            In("ip", "link", "add", "lan0", "type", "veth", "peer", "name", "lan0p");
            In("ip", "link", "set", "lan0", "up");
            File.WriteAllLines(batch, Enumerable.Range(0, routes).Select(i => $"route add 100.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}/32 via 10.11.0.1"));
            In("ip", "-batch", batch);
            File.WriteAllText(config, """
                lan: [lan0]
                uplinks:
                  - { name: isp1, interface: wan1, gateway: 10.11.0.1 }
                  - { name: isp2, interface: wan2, gateway: 10.12.0.1 }
                """);

            var table = new MarkdownTable("program", "apply, nothing to change: median ms", "apply, an uplink down or back: median ms", "peak RSS, median MiB");
            foreach (var (label, program) in new[] { ("baseline", baseline), ("this build", cli) })
            {
                Apply(program, config, []);
                var same = new List<double>();
                var change = new List<double>();
                var rss = new List<double>();
                for (var r = 0; r < runs; r++)
                {
                    var (s1, m1) = Apply(program, config, []);
                    var (s2, m2) = Apply(program, config, r % 2 == 0 ? ["--down", "isp2"] : []);
                    var (s3, m3) = Apply(program, config, []);
                    same.Add(s1);
                    change.Add(s2);
                    change.Add(s3);
                    rss.AddRange([m1, m2, m3]);
                }
                Console.Error.WriteLine($"{label}: same {Stats.Median(same):0} ms, change {Stats.Median(change):0} ms, RSS {Stats.Median(rss):0.0} MiB");
                table.Row($"{label} (`{program}`)", $"{Stats.Median(same):0}", $"{Stats.Median(change):0}", $"{Stats.Median(rss):0.0}");
            }
            section.Line($"A router namespace with {routes:N0} routes in main (a full BGP table is about 1,000,000) and two uplinks; " +
                    $"each program's `apply` is run {runs * 3} times after one warm-up, as a fresh process (so it takes the whole path: it reads " +
                    "the kernel, reconciles, writes what differs). Times include the process's start.")
                .Line()
                .Table(table);
            section.Write();
        }
        finally
        {
            run.Run("ip", "netns", "del", Namespace);
            File.Delete(config);
            File.Delete(batch);
        }
    }

    private static void In(params string[] command) => CommandRunner.Current.Check("ip", ["netns", "exec", Namespace, .. command]);

    /// <summary>One apply in the namespace: wall seconds → ms and peak RSS KB → MiB, as GNU time reports them.</summary>
    private static (double Ms, double MiB) Apply(string program, string config, string[] extra)
    {
        var result = CommandRunner.Current.Run(Time, ["-f", "@@ %e %M", "ip", "netns", "exec", Namespace, program, "apply", "-c", config, .. extra]);
        if (!result.Ok) throw new InvalidOperationException($"{program} apply failed: {result.Stdout}{result.Stderr}");
        var line = result.Stderr.Split('\n').Last(l => l.StartsWith("@@ ", StringComparison.Ordinal)).Split(' ');
        return (double.Parse(line[1], CultureInfo.InvariantCulture) * 1000, double.Parse(line[2], CultureInfo.InvariantCulture) / 1024);
    }
}
