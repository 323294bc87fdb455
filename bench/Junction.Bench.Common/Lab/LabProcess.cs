using System.Diagnostics;

namespace Junction.Bench.Lab;

/// <summary>A long-running tool (iperf3 -s) inside a lab namespace, ended by its own pid when disposed.</summary>
public sealed class LabProcess : IAsyncDisposable
{
    private readonly Process _process;

    private LabProcess(Process process) => _process = process;

    public static LabProcess Start(string netns, string program, params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", netns, program }.Concat(args)) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new LabProcess(process);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
