using System.Diagnostics;
using System.Globalization;
using Junction.Bench.Contenders;
using Junction.Bench.Lab;
using Junction.Lab;
using Junction.Linux.Processes;
using Junction.Model;

namespace Junction.Bench.ControlPlane;

/// <summary>
/// <c>dotnet run --project bench/Junction.Bench.ControlPlane -- footprint [--cli 'PROGRAM [ARGS]'] [--window SECONDS] [--runs N]</c>:
/// the idle daemon (8 uplinks, default probes: 40 a second) and the CLI's cold start, for
/// one junction program (default: this build through dotnet; <c>--cli .build/native/junction</c>
/// for the native one). Prints a Markdown table; docs/benchmarks.md quotes it with the command.
/// </summary>
internal static class FootprintOnly
{
    private const int Uplinks = 8;
    private const int CliRuns = 20;

    public static async Task RunAsync(string[] args)
    {
        string[]? cli = null;
        var window = TimeSpan.FromSeconds(60);
        var runs = 3;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                // One word (the native executable) or several ("dotnet /path/junction.dll").
                case "--cli": cli = args[++i].Split(' ', StringSplitOptions.RemoveEmptyEntries); break;
                case "--window": window = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown argument '{args[i]}' (footprint [--cli PROGRAM] [--window SECONDS] [--runs N])");
            }
        }
        await using var lab = BenchLab.Up(new LabOptions { Prefix = "jbfp", Uplinks = Uplinks, Clients = 1, ExtraWanAddresses = 0 });
        var junction = new JunctionContender(BalanceMode.RoundRobin);
        Directory.CreateDirectory(lab.Network.StateDirectory);
        var configPath = Path.Combine(lab.Network.StateDirectory, "footprint.yaml");
        File.WriteAllText(configPath, junction.Yaml(lab, RouterSetup.Equal(Uplinks)));

        var footprints = new List<Footprint>();
        string[] program = [];
        for (var r = 0; r < runs; r++)
        {
            var measure = cli is null
                ? new DaemonFootprint(lab, configPath, Uplinks) { Window = window, StatusRuns = CliRuns }
                : new DaemonFootprint(lab, configPath, Uplinks) { Window = window, StatusRuns = CliRuns, Cli = cli };
            program = measure.Cli;
            var f = await measure.MeasureAsync();
            Console.Error.WriteLine($"run {r + 1}: RSS {f.RssMiB:0.0} MiB, peak {f.HwmMiB:0.0} MiB, CPU {f.CpuPercent:0.00} %, status {f.StatusMs:0.0} ms");
            footprints.Add(f);
            RouterReset.Run(lab);
        }
        // The floor: the same probes from the least program that can send them (FloorProber).
        var floor = new List<double>();
        for (var r = 0; r < runs; r++)
        {
            floor.Add(FloorProber.MeasureCpuPercent(lab, configPath, program, Uplinks, window));
            Console.Error.WriteLine($"floor run {r + 1}: CPU {floor[^1]:0.00} %");
            RouterReset.Run(lab);
        }
        var full = Path.Combine(Junction.Bench.Report.Repo.Root, "examples", "full.yaml");
        var plan = new List<double>();
        for (var i = 0; i < CliRuns; i++)
        {
            var clock = Stopwatch.StartNew();
            CommandRunner.Current.Run(program[0], [.. program[1..], "plan", "-c", full]).Check();
            plan.Add(clock.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"program: `{string.Join(' ', program)}`; {runs} daemon runs, idle window {window.TotalSeconds:0} s, {CliRuns} CLI runs");
        Console.WriteLine("| measure | median | min–max |");
        Console.WriteLine("|---|--:|--:|");
        Row("daemon RSS after 10 s warm-up, MiB", footprints.Select(f => f.RssMiB).ToList(), "0.0");
        Row("daemon peak RSS (VmHWM), MiB", footprints.Select(f => f.HwmMiB).ToList(), "0.0");
        Row($"daemon idle CPU over {window.TotalSeconds:0} s, % of a core", footprints.Select(f => f.CpuPercent).ToList(), "0.00");
        Row($"floor: the same 40 probes a second from a minimal C prober (bench/Junction.Bench.ControlPlane/Floor/prober.c) on the same ruleset, CPU over {window.TotalSeconds:0} s, % of a core", floor, "0.00");
        Row($"the daemon above that floor, % of a core", footprints.Select(f => f.CpuPercent - floor.Order().ElementAt(floor.Count / 2)).ToList(), "0.00");
        Row("`junction status` against it, ms (median of each run)", footprints.Select(f => f.StatusMs).ToList(), "0.0");
        Row("`junction plan -c examples/full.yaml` cold, ms", plan, "0.0");
    }

    private static void Row(string what, List<double> values, string format)
    {
        var sorted = values.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        Console.WriteLine($"| {what} | {median.ToString(format, CultureInfo.InvariantCulture)} | " +
            $"{sorted[0].ToString(format, CultureInfo.InvariantCulture)}–{sorted[^1].ToString(format, CultureInfo.InvariantCulture)} |");
    }
}
