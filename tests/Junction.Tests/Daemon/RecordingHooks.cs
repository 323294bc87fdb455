using Junction.Model;
using Junction.Status;

namespace Junction.Cli.Daemon.Tests;

/// <summary>Hooks that write down what the daemon told them, in order.</summary>
internal sealed class RecordingHooks : IDaemonHooks
{
    public List<string> Calls { get; } = [];
    public DaemonSnapshot? Last { get; private set; }

    /// <summary>What the hooks say is due next (a watchdog ping, as DaemonServices says).</summary>
    public DateTimeOffset? NextDue { get; set; }

    public Task ListenAsync(JunctionDaemon daemon, CancellationToken ct)
    {
        Calls.Add("listen");
        return Task.CompletedTask;
    }

    public void Turned(DaemonSnapshot snapshot)
    {
        Calls.Add("turned");
        Last = snapshot;
    }

    public void Reloading() => Calls.Add("reloading");

    public void Reloaded(JunctionModel model) => Calls.Add($"reloaded {model.MetricsListen?.ToString() ?? "-"}");

    public Task StoppingAsync()
    {
        Calls.Add("stopping");
        return Task.CompletedTask;
    }
}
