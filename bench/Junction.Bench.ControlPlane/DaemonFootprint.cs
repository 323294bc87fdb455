using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Junction.Bench.Lab;
using Junction.Linux.Processes;

namespace Junction.Bench.ControlPlane;

/// <summary>One run of the daemon: resident memory after warm-up, its peak, CPU while idle, and <c>junction status</c>'s median time.</summary>
internal sealed record Footprint(double RssMiB, double HwmMiB, double CpuPercent, double StatusMs = double.NaN);

/// <summary>
/// <c>junction run</c> in the lab router, as users start it (<c>ip netns exec ROUTER dotnet
/// junction.dll run -c FILE --log-level warning</c>; <c>ip netns exec</c> execs, so the pid
/// is the daemon's). It is measured from outside through /proc/PID: VmRSS once it balances
/// over every uplink and has warmed up, VmHWM at the end, and utime+stime over a quiet
/// window as a share of one core. Every wait is bounded; the daemon is stopped by its pid
/// when the run ends, fails, or the program is interrupted.
/// </summary>
internal sealed partial class DaemonFootprint(BenchLab lab, string configPath, int uplinks)
{
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(30);

    /// <summary>The idle window CPU is measured over.</summary>
    public TimeSpan Window { get; init; } = DefaultWindow;

    /// <summary>The program that is junction (and leading arguments): this build through dotnet unless given (e.g. the native executable).</summary>
    public string[] Cli { get; init; } = [DotnetHost, Path.Combine(AppContext.BaseDirectory, "junction.dll")];

    /// <summary>After the idle window: run <c>junction status</c> this many times against the daemon and keep the median.</summary>
    public int StatusRuns { get; init; }

    private static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private string SocketPath => Path.ChangeExtension(configPath, ".sock");
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(30);
    internal static readonly double TicksPerSecond = double.Parse(CommandRunner.Current.Check("getconf", "CLK_TCK").Trim(), CultureInfo.InvariantCulture);

    public async Task<Footprint> MeasureAsync()
    {
        using var daemon = Start();
        void Stop(object? sender, EventArgs e) => Kill(daemon);
        AppDomain.CurrentDomain.ProcessExit += Stop;
        try
        {
            var clock = Stopwatch.StartNew();
            while (BalancedOver() < uplinks)
            {
                if (daemon.HasExited) throw new InvalidOperationException($"the daemon exited ({daemon.ExitCode}) before balancing");
                if (clock.Elapsed > StartPatience) throw new TimeoutException($"the daemon did not balance over {uplinks} uplinks within {StartPatience.TotalSeconds} s");
                await Task.Delay(50);
            }
            await Task.Delay(WarmUp);
            var rss = Kib(daemon.Id, "VmRSS");
            var cpu0 = CpuTicks(daemon.Id);
            var window = Stopwatch.StartNew();
            await Task.Delay(Window);
            var cpu1 = CpuTicks(daemon.Id);
            var seconds = window.Elapsed.TotalSeconds;
            var hwm = Kib(daemon.Id, "VmHWM");
            if (daemon.HasExited || BalancedOver() < uplinks)
                throw new InvalidOperationException("the daemon stopped balancing over every uplink during the measurement");
            var status = StatusRuns == 0 ? double.NaN : Median(Enumerable.Range(0, StatusRuns).Select(_ => TimeStatus()).ToList());
            return new Footprint(rss / 1024.0, hwm / 1024.0, 100.0 * (cpu1 - cpu0) / TicksPerSecond / seconds, status);
        }
        finally
        {
            Kill(daemon);
            AppDomain.CurrentDomain.ProcessExit -= Stop;
        }
    }

    /// <summary>One <c>junction status</c> as a person runs it (a new process; the socket is a file, reachable from any namespace), in ms.</summary>
    private double TimeStatus()
    {
        var clock = Stopwatch.StartNew();
        var result = CommandRunner.Current.Run(Cli[0], [.. Cli[1..], "status", "--socket", SocketPath]);
        var ms = clock.Elapsed.TotalMilliseconds;
        if (!result.Ok) throw new InvalidOperationException($"junction status failed: {result.Stderr}");
        return ms;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }

    private Process Start()
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["netns", "exec", lab.Topology.RouterNamespace, .. Cli, "run", "-c", configPath, "--socket", SocketPath, "--log-level", "warning"])
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the daemon");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"daemon: {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"daemon: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>SIGTERM (the daemon leaves its table; the lab goes anyway), then SIGKILL after 10 s.</summary>
    private static void Kill(Process daemon)
    {
        try
        {
            if (daemon.HasExited) return;
            CommandRunner.Current.Run("kill", "-TERM", daemon.Id.ToString(CultureInfo.InvariantCulture));
            if (!daemon.WaitForExit(10_000)) daemon.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static long Kib(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>utime + stime (fields 14 and 15 of /proc/PID/stat, counted after the parenthesised name).</summary>
    internal static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // rest[0] is field 3 (state), so field N is rest[N - 3].
        return long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
    }

    private int BalancedOver()
    {
        var table = lab.Router.Run("nft", "list", "table", "inet", "junction");
        var choose = table.Ok ? ChooseChain().Match(table.Stdout) : null;
        return choose is { Success: true } ? MarkGoto().Matches(choose.Groups[1].Value).Select(m => m.Value).Distinct().Count() : 0;
    }

    [GeneratedRegex(@"chain choose \{\n(.*?)\n\t\}", RegexOptions.Singleline)]
    private static partial Regex ChooseChain();

    [GeneratedRegex(@"goto mark_isp\d+")]
    private static partial Regex MarkGoto();
}
