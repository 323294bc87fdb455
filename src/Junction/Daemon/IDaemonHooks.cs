using Junction.Model;
using Junction.Status;

namespace Junction.Cli.Daemon;

/// <summary>
/// What the daemon tells the world outside its loop (the control socket, systemd). Every call
/// but <see cref="ListenAsync"/> and <see cref="StoppingAsync"/> is made on the loop, between
/// batches: it must return at once (hand slow work to a task), or it holds up failover.
/// </summary>
internal interface IDaemonHooks
{
    /// <summary>
    /// Before the first apply: bind every listener (control socket, metrics) and serve. An
    /// exception stops the daemon before it touches the kernel and is passed to the caller
    /// of RunAsync. Until the first apply, status reports "not applied yet".
    /// </summary>
    Task ListenAsync(JunctionDaemon daemon, CancellationToken ct);

    /// <summary>After every batch (and once after the first apply), with the snapshot just built.</summary>
    void Turned(DaemonSnapshot snapshot);

    /// <summary>
    /// When <see cref="Turned"/> must be called again though nothing happened (systemd's
    /// watchdog ping); the loop wakes then. Null: no such need.
    /// </summary>
    DateTimeOffset? NextDue => null;

    /// <summary>SIGHUP is being handled: the file is about to be read.</summary>
    void Reloading();

    /// <summary>A valid file replaced the running configuration (not called for a rejected one).</summary>
    void Reloaded(JunctionModel model);

    /// <summary>The loop has ended; probes and the kernel state are handled after this.</summary>
    Task StoppingAsync();
}
