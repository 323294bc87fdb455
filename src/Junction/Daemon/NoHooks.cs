using Junction.Model;
using Junction.Status;

namespace Junction.Cli.Daemon;

/// <summary>Hooks that do nothing: tests of the loop, and a daemon that serves nothing.</summary>
internal sealed class NoHooks : IDaemonHooks
{
    public static readonly NoHooks Instance = new();

    public Task ListenAsync(JunctionDaemon daemon, CancellationToken ct) => Task.CompletedTask;

    public void Turned(DaemonSnapshot snapshot)
    {
    }

    public void Reloading()
    {
    }

    public void Reloaded(JunctionModel model)
    {
    }

    public Task StoppingAsync() => Task.CompletedTask;
}
