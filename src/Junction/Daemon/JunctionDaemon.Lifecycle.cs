using System.Threading.Channels;
using Junction.Configuration;
using Junction.Health;
using Junction.Linux.Netlink;
using Junction.Model;

namespace Junction.Cli.Daemon;

/// <summary>
/// The daemon's life around its loop (JunctionDaemon.cs): what starts before the first batch,
/// the order things stop in, the entry points other threads call (operator overrides, SIGHUP),
/// and a reload (on the loop).
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
        var pump = Task.CompletedTask;
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
            try
            {
                _setup.Hooks.Turned(_snapshot);
                lock (_gate) Arm();
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
            _alarm.Dispose();
            await pump.ConfigureAwait(false);
            listener?.Owner.Dispose();
            await watcher.DisposeAsync().ConfigureAwait(false);
            _passive?.Dispose();
            // Nothing was applied, so nothing is left or flushed: the kernel may hold another daemon's plan.
            if (touched) await _applier.LeaveKernel().ConfigureAwait(false);
        }
    }

    private void Reload()
    {
        DaemonLog.Reloading(_log, _setup.ConfigPath);
        _setup.Hooks.Reloading();
        JunctionModel next;
        try
        {
            next = _setup.LoadConfig();
        }
        catch (ConfigException e)
        {
            foreach (var error in e.Errors) DaemonLog.ConfigError(_log, error.ToString());
            DaemonLog.ReloadRejected(_log, ApplySummary.Count(e.Errors.Count, "error"));
            return;
        }
        _configLoadedAt = _time.GetUtcNow();
        // The new file may have fixed a gateway: every uplink is tried again.
        _applier.Gateways.Clear();
        var keep = HealthInputs.Same(_model, next);
        _model = next;
        _operator.Keep(next.Uplinks.Select(u => u.Name).ToList());
        if (next.Passive.Enabled != (_passive is not null))
        {
            _passive?.Dispose();
            _passive = PassiveHealthFeed.Start(next, _time, _inbox.Writer, _log, _setup.ConnectionEvents);
        }
        else _passive?.Rebind(next);
        _failback = _failback.For(next);
        // A changed ha: section is no restart: no hold (a reload is not a return from a reboot).
        if (next.Ha != _ha?.Model) _ha = next.Ha is { } ha ? new HaAgent(ha, _log, DateTimeOffset.MinValue) : null;
        _setup.Hooks.Reloaded(next);
        if (keep)
        {
            DaemonLog.Reloaded(_log, next.Uplinks.Count, "kept (uplinks and probes unchanged)");
            return;
        }
        // Uplinks or probes changed: fresh state machines, told the links as they are now,
        // and probes for the new set. Rounds of the old probes still in flight are dropped.
        DaemonLog.Reloaded(_log, next.Uplinks.Count, "restarted (uplinks or probes changed)");
        _flusher.Clear();
        _health.For(next);
        Signal(_links.Bind(next.Uplinks));
        _ = _probes.Stop();
        _probes.Start(next, _health.Histories);
    }
}
