using System.Diagnostics;
using System.Globalization;
using Junction.Bench.Lab;
using Junction.Bench.Report;
using Junction.Linux.Processes;

namespace Junction.Bench.ControlPlane;

/// <summary>
/// The footprint's floor: <c>Floor/prober.c</c> (built with clang, which ./setup.sh installs)
/// sending the daemon's 40 probes a second, one echo to each ISP gateway every 200 ms over
/// raw ICMP sockets bound to the uplinks, in the same router with Junction's table applied
/// (the same conntrack and ruleset work per packet). Its CPU over the window is what those
/// probes cost in this lab whoever sends them: the echo's round trip through the veth pair
/// and the ISP's namespace runs inside the sender's sendto() and is charged to it, where a
/// real NIC would answer in an interrupt charged to no one's process.
/// </summary>
internal static class FloorProber
{
    public static double MeasureCpuPercent(BenchLab lab, string configPath, string[] cli, int uplinks, TimeSpan window)
    {
        var dir = lab.Network.StateDirectory;
        var binary = Path.Combine(dir, "floor-prober");
        CommandRunner.Current.Run("clang", "-O2", "-o", binary, Path.Combine(Repo.Root, "bench", "Junction.Bench.ControlPlane", "Floor", "prober.c")).Check();
        // The ruleset the daemon runs with, so each probe meets the same netfilter work.
        CommandRunner.Current.Run("ip", ["netns", "exec", lab.Topology.RouterNamespace, .. cli, "apply", "-c", configPath]).Check();
        var seconds = (int)Math.Ceiling(window.TotalSeconds) + 5;
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in (string[])["netns", "exec", lab.Topology.RouterNamespace, binary, "200", seconds.ToString(CultureInfo.InvariantCulture),
                     .. Enumerable.Range(1, uplinks).Select(i => lab.Topology.IspGateway(i).ToString())])
            psi.ArgumentList.Add(a);
        using var prober = Process.Start(psi) ?? throw new InvalidOperationException("could not start the floor prober");
        try
        {
            Thread.Sleep(2000);
            var cpu0 = DaemonFootprint.CpuTicks(prober.Id);
            var clock = Stopwatch.StartNew();
            Thread.Sleep(window);
            var cpu1 = DaemonFootprint.CpuTicks(prober.Id);
            var elapsed = clock.Elapsed.TotalSeconds;
            if (!prober.WaitForExit(TimeSpan.FromSeconds(seconds)))
                throw new TimeoutException("the floor prober did not end");
            var said = prober.StandardOutput.ReadToEnd().Trim();
            Console.Error.WriteLine($"floor prober: {said}");
            if (prober.ExitCode != 0) throw new InvalidOperationException($"the floor prober failed ({prober.ExitCode}): {said}");
            return 100.0 * (cpu1 - cpu0) / DaemonFootprint.TicksPerSecond / elapsed;
        }
        finally
        {
            if (!prober.HasExited) prober.Kill();
        }
    }
}
