using System.Diagnostics;
using Junction.Linux.Processes;

namespace Junction.Lab.Commands;

/// <summary>
/// Starts 'junction lab serve' inside the lab's server namespace as a detached process, so
/// the service keeps running after 'lab up' returns. 'lab down' ends it with the namespace
/// (removing a namespace kills the processes inside it, by id).
/// </summary>
internal static class ServerProcess
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(20);

    /// <summary>Starts the service and waits until it listens; returns its process id.</summary>
    public static int Start(LabNetwork lab)
    {
        Directory.CreateDirectory(lab.StateDirectory);
        var pidFile = Path.Combine(lab.StateDirectory, "server.pid");
        var log = Path.Combine(lab.StateDirectory, "server.log");
        File.Delete(pidFile);

        var (program, args) = SelfInvocation.Command();
        // sh only detaches: a new session, no terminal, output to the log. The arguments
        // reach it as "$@", never as text to parse.
        var psi = new ProcessStartInfo("sh") { UseShellExecute = false };
        foreach (var a in new[] { "-c", "log=$1; shift; setsid \"$@\" </dev/null >>\"$log\" 2>&1 &", "sh", log, "ip", "netns", "exec", lab.Topology.ServerNamespace, program })
            psi.ArgumentList.Add(a);
        foreach (var a in args.Concat(["lab", "serve", "--listen", lab.Topology.Service.ToString(), "--pid-file", pidFile]))
            psi.ArgumentList.Add(a);
        using (var shell = Process.Start(psi) ?? throw new InvalidOperationException("could not start sh"))
            shell.WaitForExit();

        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < Ready)
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) return pid;
            Thread.Sleep(50);
        }
        var said = File.Exists(log) ? File.ReadAllText(log).Trim() : "";
        throw new CommandFailedException(new CommandResult($"junction lab serve in {lab.Topology.ServerNamespace}", 124, "",
            $"not listening after {Ready.TotalSeconds} s{(said.Length > 0 ? ": " + said : "")}"));
    }
}
