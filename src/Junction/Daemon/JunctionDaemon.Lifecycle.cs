using System.Threading.Channels;
using Junction.Health;
using Junction.Linux.Netlink;
using Junction.Model;

namespace Junction.Cli.Daemon;

/// <summary>
/// The daemon's life around its loop (JunctionDaemon.cs): what starts before the first batch,
/// the order things stop in, and the entry points other threads call (operator overrides, SIGHUP).
/// </summary>
internal sealed partial class JunctionDaemon
{
    /// <summary>
    /// An operator's override, from any thread: checked against the running configuration,
    /// written to the state file, then applied by the loop; returns once it has been (or after
    /// <paramref name="wait"/>, when the loop is busy: the override is kept either way).
    /// </summary>
    /// <exception cref="ArgumentException">no such uplink (the message says which are).</exception>
    /// <exception cref="IOException">the state file could not be written; nothing changed.</exception>
    internal async Task<OperatorMode> SetOperatorAsync(string uplink, OperatorMode mode, TimeSpan wait)
    {
        if (OperatorOverrides.CheckName(uplink, _model.Uplinks.Select(u => u.Name).ToList()) is { } error) throw new ArgumentException(error);
        var before = _operator.Set(uplink, mode);
        if (before == mode) return before;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _inbox.Writer.TryWrite(new OperatorChanged(uplink, before, mode, done));
        try
        {
            await done.Task.WaitAsync(wait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        return before;
    }

    /// <summary>SIGHUP: re-read the configuration file, from any thread.</summary>
    public void RequestReload() => _inbox.Writer.TryWrite(new ReloadRequested());

    /// <summary>
    /// Runs until <paramref name="stop"/> fires, then stops the probes and, with
    /// --flush-on-exit, removes Junction's kernel state; otherwise leaves it, so
    /// connections keep flowing while the daemon restarts.
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        DaemonLog.Starting(_log, _setup.ConfigPath, _model.Uplinks.Count, string.Join(", ", _model.Uplinks.Select(u => $"{u.Name}={u.Interface}")),
            _model.Flush == FlushPolicy.Dead ? "dead" : "none");
        // Listen before reading the links, so no change falls between the two: the events
        // queued meanwhile are applied on top of the dump and the last word wins.
        (ChannelReader<LinkEvent> Events, IDisposable Owner)? listener = null;
        try
        {
            listener = _setup.Kernel.ListenLinks();
        }
        catch (Junction.Linux.Interop.SyscallException e)
        {
            // Without link events only probes notice failures: slower, but still safe.
            DaemonLog.ListenerFailed(_log, e.Message);
        }
        var watcher = KernelWatcher.Open(_setup.Kernel, _inbox.Writer, _log);
        Task pump = Task.CompletedTask, ticker = Task.CompletedTask;
        var touched = false;
        using var background = CancellationTokenSource.CreateLinkedTokenSource(stop);
        try
        {
            if (listener is { } l) pump = DaemonFeeds.Pump(l.Events, _inbox.Writer, _log, background.Token);
            // Every listener is bound before the kernel is touched: a socket or port that
            // cannot be had stops the daemon with the kernel as it found it.
            await _setup.Hooks.ListenAsync(this, stop).ConfigureAwait(false);
            touched = true;
            Start();
            ticker = DaemonFeeds.Ticker(_setup.TickInterval, _time, _inbox.Writer, background.Token);
            try
            {
                _setup.Hooks.Turned(_snapshot);
                while (await _inbox.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
                {
                    var batch = new List<DaemonEvent>();
                    while (batch.Count < 10_000 && _inbox.Reader.TryRead(out var e)) batch.Add(e);
                    Process(batch);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }
        finally
        {
            // Also when serving failed to start: nothing may be left running, and
            // --flush-on-exit still means no kernel state without a daemon.
            DaemonLog.Stopping(_log, "closing the control socket");
            await _setup.Hooks.StoppingAsync().ConfigureAwait(false);
            DaemonLog.Stopping(_log, "stopping probes and the link listener");
            await background.CancelAsync().ConfigureAwait(false);
            await _probes.Stop().ConfigureAwait(false);
            await Task.WhenAll(pump, ticker).ConfigureAwait(false);
            listener?.Owner.Dispose();
            await watcher.DisposeAsync().ConfigureAwait(false);
            _passive?.Dispose();
            // Nothing was applied, so nothing is left or flushed: the kernel may hold another daemon's plan.
            if (touched) await _applier.LeaveKernel().ConfigureAwait(false);
        }
    }
}
