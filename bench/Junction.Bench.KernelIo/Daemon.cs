using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Junction.Linux.Processes;

namespace Junction.Bench.KernelIo;

/// <summary>The daemon as users run it, inside the lab router; stopped by its pid whatever happens.</summary>
internal static class Daemon
{
    public static Process Start(string netns, string config, string socket)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", netns, dotnet, Path.Combine(AppContext.BaseDirectory, "junction.dll"), "run", "-c", config, "--socket", socket, "--log-level", "warning" })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the daemon");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"daemon: {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"daemon: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(process);
        return process;
    }

    public static async Task WaitForAnswer(Process daemon, string socket)
    {
        using var http = Client(socket);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (daemon.HasExited) throw new InvalidOperationException($"the daemon exited ({daemon.ExitCode})");
            try
            {
                var status = await http.GetStringAsync("v1/status");
                if (status.Contains("\"lastAppliedAt\": \"", StringComparison.Ordinal) || status.Contains("\"lastAppliedAt\":\"", StringComparison.Ordinal)) break;
            }
            catch (HttpRequestException)
            {
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("the daemon did not answer with an applied plan within 30 s");
            await Task.Delay(100);
        }
        // Let start-up settle (probes' first rounds, the first periodic check).
        await Task.Delay(TimeSpan.FromSeconds(5));
    }

    /// <summary>How long until the daemon's status counts <paramref name="expected"/> live connections.</summary>
    public static async Task<TimeSpan> UntilConnections(HttpClient http, long expected, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        long counted = -1;
        while (clock.Elapsed < within)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("v1/status"));
            counted = doc.RootElement.GetProperty("connections").GetInt64();
            if (counted == expected) return clock.Elapsed;
            await Task.Delay(50);
        }
        throw new TimeoutException($"the daemon's status counted {counted} live connections, not {expected}, for {within.TotalSeconds:0} s");
    }

    public static HttpClient Client(string socket) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    }) { BaseAddress = new Uri("http://junction/"), Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>execve calls by the daemon and anything it starts, over <paramref name="window"/>.</summary>
    public static int CountExecs(int pid, TimeSpan window)
    {
        var output = Path.GetTempFileName();
        try
        {
            var seconds = ((int)window.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            var run = CommandRunner.Current.Run("timeout", ["-s", "INT", seconds, "strace", "-f", "-qq", "-e", "trace=execve", "-o", output, "-p", pid.ToString(CultureInfo.InvariantCulture)],
                timeout: window + TimeSpan.FromSeconds(30));
            if (run.ExitCode is not (0 or 124 or 130) && !File.Exists(output)) throw new CommandFailedException(run);
            return File.ReadLines(output).Count(l => l.Contains("execve(", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(output);
        }
    }

    public static long Kib(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    public static void Stop(Process daemon)
    {
        try
        {
            if (daemon.HasExited) return;
            CommandRunner.Current.Run("kill", "-TERM", daemon.Id.ToString(CultureInfo.InvariantCulture));
            if (!daemon.WaitForExit(10_000)) daemon.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
