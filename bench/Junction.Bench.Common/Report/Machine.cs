using System.Runtime.InteropServices;
using Junction.Linux.Processes;

namespace Junction.Bench.Report;

/// <summary>What the numbers were measured on, for the line under every section heading.</summary>
public static class Machine
{
    public static string Describe()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memKb = File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        return $"{Environment.ProcessorCount} × {cpu}, {long.Parse(memKb) / 1024 / 1024} GiB, Linux {kernel}, .NET {RuntimeInformation.FrameworkDescription.Split(' ').Last()}, {Tool("nft", "--version")}, {Tool("iptables", "--version")}";
    }

    private static string Tool(string program, string arg)
    {
        var result = CommandRunner.Current.Run(program, arg);
        return result.Ok ? result.Stdout.Split('\n')[0].Trim() : $"{program} missing";
    }
}
