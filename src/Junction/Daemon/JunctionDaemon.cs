using System.Diagnostics;
using System.Threading.Channels;
using Junction.Configuration;
using Junction.Health;
using Junction.Linux.Apply;
using Junction.Linux.Netlink;
using Junction.Linux.Processes;
using Junction.Model;
using Junction.Planning;
using Junction.Status;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>
/// <c>junction run</c>: one loop owns the health monitor, the link view and the applier.
/// Probes, rtnetlink, SIGHUP and a ticker only post <see cref="DaemonEvent"/>s into one
/// channel; the loop drains whatever has arrived as one batch, feeds it to the monitor,
/// and then applies at most once: a carrier loss and the probe rounds that arrive with
/// it cost one apply, not three. A failed apply leaves the kernel as it was (the applier
/// rolls back) and is retried with a doubling delay. Deciding (<see cref="HealthMonitor"/>,
/// <see cref="Planner"/>) stays pure; this class only sequences it and talks to the kernel.
/// </summary>
internal sealed class JunctionDaemon : IStatusSource
{
    private readonly DaemonSetup _setup;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Channel<DaemonEvent> _inbox = Channel.CreateUnbounded<DaemonEvent>(new() { SingleReader = true });
    private readonly LinkTable _links = new();
    private readonly Random _random;
    private readonly DateTimeOffset _startedAt;

    // Read by the control server's threads (explain) while the loop may replace it.
    private volatile JunctionModel _model;
    private HealthMonitor _monitor;
    private FailbackPolicy _failback;
    private Dictionary<string, ProbeHistory> _history = [];
    private Dictionary<string, long> _changes = [];
    // Each probed uplink's adaptive timeout; replaced with the probes (read by Build).
    private Dictionary<string, AdaptiveTimeout> _timeouts = [];

    // What the kernel holds now (the last plan applied), and what is owed to it.
    private JunctionModel? _appliedModel;
    private HashSet<string> _appliedUnhealthy = [];
    private HashSet<string> _appliedUnroutable = [];
    // Uplinks whose default route the kernel refused (gateway not on the interface's networks).
    private readonly RefusedGateways _gateways = new();
    private DesiredState? _appliedPlan;
    private string? _appliedHash;
    // Set when the kernel's table is not the one applied last (removed or replaced by
    // someone else); the plan is owed again until an apply succeeds.
    private string? _tableDrift;
    private DateTimeOffset _nextTableCheck = DateTimeOffset.MinValue;
    private readonly HashSet<string> _flushOwed = [];
    // When each owed flush became owed: in an HA pair it waits ha.flush-delay (see FlushOwed).
    private readonly Dictionary<string, DateTimeOffset> _flushOwedSince = [];
    private HaAgent? _ha;
    private string? _flushHeldLogged;
    private int _failuresInRow;
    private DateTimeOffset _retryAt = DateTimeOffset.MinValue;
    private readonly ApplyPacer _pacer;
    private readonly OperatorState _operator;
    private readonly List<TaskCompletionSource> _operatorWaiting = [];
    private PassiveHealthFeed? _passive;
    private readonly HashSet<string> _bursting = [];

    private long _applies, _applyFailures;
    private DateTimeOffset? _lastAppliedAt, _configLoadedAt;
    private TimeSpan? _lastDuration;
    private string? _lastError;
    private volatile DaemonSnapshot _snapshot;

    private CancellationTokenSource? _probes;
    private readonly List<Task> _probeTasks = [];
    private long _epoch;

    public JunctionDaemon(DaemonSetup setup)
    {
        _setup = setup;
        _log = setup.Logger;
        _time = setup.Time;
        _random = new Random(setup.Seed);
        _pacer = new ApplyPacer(setup.RouteApplyInterval);
        _startedAt = _time.GetUtcNow();
        _configLoadedAt = _startedAt;
        _model = setup.Model;
        _ha = _model.Ha is { } ha ? new HaAgent(ha, _log, _startedAt) : null;
        _operator = new OperatorState(setup.OperatorStatePath, _log);
        _operator.Load(_model.Uplinks.Select(u => u.Name).ToList());
        _monitor = NewMonitor(_model);
        _failback = new FailbackPolicy(_model, _time);
        _snapshot = Build();
    }

    /// <summary>Where events enter; any thread may write.</summary>
    internal ChannelWriter<DaemonEvent> Inbox => _inbox.Writer;

    internal JunctionModel Model => _model;

    internal HealthMonitor Monitor => _monitor;

    internal OperatorState Operator => _operator;

    /// <summary>Uplinks that get no new connections: health's verdict with the operator's overrides.</summary>
    private IReadOnlySet<string> Unhealthy => _operator.Current.Unhealthy(_monitor.Unhealthy);

    /// <summary>The plan the kernel holds now; null before the first apply succeeded.</summary>
    internal DesiredState? Applied => _appliedPlan;

    /// <summary>Thread-safe: an immutable record replaced after every batch.</summary>
    public DaemonSnapshot Snapshot() => _snapshot with { Now = _time.GetUtcNow() };

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
            if (listener is { } l) pump = Pump(l.Events, background.Token);
            // Every listener is bound before the kernel is touched: a socket or port that
            // cannot be had stops the daemon with the kernel as it found it.
            await _setup.Hooks.ListenAsync(this, stop).ConfigureAwait(false);
            touched = true;
            Start();
            ticker = Ticker(background.Token);
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
            await StopProbes().ConfigureAwait(false);
            await Task.WhenAll(pump, ticker).ConfigureAwait(false);
            listener?.Owner.Dispose();
            await watcher.DisposeAsync().ConfigureAwait(false);
            _passive?.Dispose();
            // Nothing was applied, so nothing is left or flushed: the kernel may hold another daemon's plan.
            if (touched) await LeaveKernel().ConfigureAwait(false);
        }
    }

    private async Task LeaveKernel()
    {
        if (_setup.FlushOnExit)
        {
            DaemonLog.Stopping(_log, "--flush-on-exit: removing Junction's table, rules and routes");
            // Reading the kernel can fail for a moment (a route dump interrupted by a
            // concurrent change); there is no later retry after exit, so try a few times.
            for (var attempt = 1; attempt <= 3; attempt++)
            {
                try
                {
                    _setup.Kernel.Flush();
                    break;
                }
                catch (Exception e) when (e is ApplyFailedException or CommandFailedException)
                {
                    DaemonLog.FlushOnExitFailed(_log, attempt, e.Message);
                    if (attempt < 3) await Task.Delay(TimeSpan.FromMilliseconds(200), _time, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        else
        {
            DaemonLog.Stopping(_log, "kernel state left in place (connections keep flowing; 'junction flush' removes it)");
        }
    }

    /// <summary>
    /// Reads the links (an uplink whose interface is down starts Down, its routes planned
    /// out), applies, and starts the probes: after the apply, because probes to targets
    /// beyond the gateway need the uplink's routing table.
    /// </summary>
    internal void Start()
    {
        // The interfaces first, then the uplinks on them: a fresh state machine is told
        // only what is wrong now (a link that is down), not a loss and a return.
        Signal(_links.Reset(ReadLinksOrEmpty()));
        Signal(_links.Bind(_model.Uplinks));
        ObserveTiers();
        Converge();
        StartProbes();
        _passive ??= PassiveHealthFeed.Start(_model, _time, _inbox.Writer, _log, _setup.ConnectionEvents);
        _snapshot = Build();
    }

    /// <summary>One batch: every event fed in order, then at most one apply.</summary>
    internal void Process(IReadOnlyList<DaemonEvent> batch)
    {
        foreach (var e in batch) Handle(e);
        ObserveTiers();
        CheckTable();
        Converge();
        _snapshot = Build();
        _setup.Hooks.Turned(_snapshot);
        foreach (var done in _operatorWaiting) done.TrySetResult();
        _operatorWaiting.Clear();
    }

    private void Handle(DaemonEvent e)
    {
        switch (e)
        {
            case ProbeReported r when r.Epoch == _epoch && _history.TryGetValue(r.Uplink, out var history):
                history.Add(r.Round);
                // 40 rounds a second with 8 uplinks: format them only when someone reads them.
                if (_log.IsEnabled(LogLevel.Trace)) DaemonLog.Round(_log, r.Uplink, r.Round.ToString());
                Log(_monitor.Report(r.Uplink, r.Round));
                break;
            case LinkObserved { Event: EventsLost }:
                DaemonLog.EventsLost(_log);
                Signal(_links.Reset(ReadLinksOrEmpty()));
                break;
            case LinkObserved link:
                Signal(_links.Observe(link.Event));
                break;
            case KernelTouched touched:
                CheckKernel(touched.What);
                break;
            case ReloadRequested:
                Reload();
                break;
            case Tick:
                Log(_monitor.Tick());
                break;
            case OperatorChanged o:
                // Forced down flushes like a failure; anything else keeps the connections.
                if (o.To == OperatorMode.Down) _flushOwed.Add(o.Uplink);
                else if (o.From == OperatorMode.Down && _monitor.Uplinks.GetValueOrDefault(o.Uplink)?.State != HealthState.Down) _flushOwed.Remove(o.Uplink);
                _operatorWaiting.Add(o.Done);
                break;
            case PassiveSuspected p:
                Confirm(p.Suspicion);
                break;
            case BurstDone b:
                Confirmed(b);
                break;
        }
    }

    private void Signal(IReadOnlyList<(string Uplink, LinkSignal Signal)> signals)
    {
        foreach (var (uplink, signal) in signals)
        {
            // A changed link may have brought the gateway's network: try the route again.
            _gateways.Forget(uplink);
            DaemonLog.Link(_log, uplink, _model.Uplink(uplink).Interface, signal switch
            {
                LinkSignal.CarrierDown => "carrier lost (or the interface is down or gone)",
                LinkSignal.CarrierUp => "carrier back",
                LinkSignal.AddressLost => "no address left",
                _ => "address back",
            });
            Log(_monitor.Report(uplink, signal));
        }
    }

    private void Log(HealthUpdate update)
    {
        foreach (var t in update.Transitions)
        {
            DaemonLog.Transition(_log, t.Uplink, ApplySummary.Word(t.From), ApplySummary.Word(t.To), t.Reason);
            _changes[t.Uplink] = _changes.GetValueOrDefault(t.Uplink) + 1;
            // Only an uplink that carried connections and failed has any to flush; one
            // that comes back before the flush was made keeps its connections.
            if (t.To == HealthState.Down && _operator.Current.HealthMayFlush(t.Uplink) && _flushOwed.Add(t.Uplink))
                _flushOwedSince[t.Uplink] = _time.GetUtcNow();
            else if (t.To == HealthState.Up) _flushOwed.Remove(t.Uplink);
            if (t.To == HealthState.Up) _passive?.Reset(t.Uplink);
        }
    }

    /// <summary>
    /// Something else may remove or replace Junction's table behind the daemon's back: `nft
    /// flush ruleset` does, and nftables.service runs it on start and reload. Every
    /// <see cref="DaemonSetup.TableCheckInterval"/> the installed table's ownership record is
    /// compared with the plan applied last (one read of the table); a difference makes the
    /// plan owed again, and status warns until an apply puts it back.
    /// </summary>
    private void CheckTable()
    {
        var now = _time.GetUtcNow();
        if (_appliedHash is not { } ours || _tableDrift is not null || now < _nextTableCheck) return;
        _nextTableCheck = now + _setup.TableCheckInterval;
        string? installed;
        try
        {
            installed = _setup.Kernel.InstalledPlanHash();
        }
        catch (Exception e) when (e is ApplyFailedException or CommandFailedException)
        {
            // Not proof of a change: the next check, or the next apply, will tell.
            DaemonLog.TableCheckFailed(_log, e.Message);
            return;
        }
        if (installed == ours) return;
        var table = $"{DesiredState.TableFamily} {DesiredState.TableName}";
        var what = installed is null ? "missing" : $"changed (it carries plan {installed}, not {ours})";
        _tableDrift = $"nftables table {table} {what}: the kernel does not hold the daemon's plan";
        DaemonLog.TableDrifted(_log, table, what);
    }

    /// <summary>
    /// A notification said Junction's table, rules or routes changed: if the kernel no longer
    /// holds the plan applied last (not just Junction's own write being notified), the plan is
    /// owed again and applied at once, instead of at the next periodic check.
    /// </summary>
    private void CheckKernel(string what)
    {
        if (_appliedPlan is not { } plan || _tableDrift is not null) return;
        IReadOnlyList<Linux.Apply.Change> drift;
        try
        {
            drift = _setup.Kernel.Drift(plan);
        }
        catch (Exception e) when (e is ApplyFailedException or Linux.Interop.KernelCallException)
        {
            DaemonLog.KernelCheckFailed(_log, e.Message);
            return;
        }
        if (drift.Count == 0) return;
        _tableDrift = $"{what}: the kernel does not hold the daemon's plan ({drift.Count} changes owed, first: {drift[0]})";
        DaemonLog.KernelDrifted(_log, what, drift.Count, drift[0].ToString());
    }

    /// <summary>Applies when the kernel holds another plan than the current inputs ask for, unless a retry is not yet due.</summary>
    private void Converge()
    {
        _gateways.Expire(_time.GetUtcNow() - _setup.GatewayRetry);
        var unroutable = _gateways.With(_links.Unroutable);
        // keepalived hears of a change before the apply: a takeover need not wait for nft.
        _ha?.Report(_model.Uplinks.Count(u => Unhealthy.Contains(u.Name) || unroutable.Contains(u.Name)), _model.Uplinks.Count, _time.GetUtcNow());
        var urgent = _tableDrift is not null || _appliedModel != _model || !_appliedUnhealthy.SetEquals(Unhealthy);
        var owed = urgent || !_appliedUnroutable.SetEquals(unroutable);
        // Only which uplinks can take routes changed (a link flapping under a health hold): paced, see ApplyPacer.
        var now = _time.GetUtcNow();
        if (owed && now >= _retryAt && (urgent || _pacer.Due(now))) Apply(unroutable);
        else if (!owed)
        {
            FlushOwed();
            FailbackOwed();
        }
    }

    private void Apply(IReadOnlySet<string> unroutable)
    {
        var unhealthy = Unhealthy.ToHashSet();
        var plan = Planner.Plan(_model, unhealthy, unroutable);
        var started = Stopwatch.GetTimestamp();
        // Attempts, successful or not (junction_applies_total); failures are counted apart.
        _applies++;
        _pacer.Attempted(_time.GetUtcNow());
        try
        {
            var result = _setup.Kernel.Apply(plan);
            _lastDuration = Stopwatch.GetElapsedTime(started);
            _lastAppliedAt = _time.GetUtcNow();
            _lastError = null;
            _failuresInRow = 0;
            _retryAt = DateTimeOffset.MinValue;
            _appliedModel = _model;
            _appliedUnhealthy = unhealthy;
            _appliedUnroutable = unroutable.ToHashSet();
            _appliedPlan = plan;
            _appliedHash = result.Owner?.PlanHash;
            _tableDrift = null;
            _nextTableCheck = _lastAppliedAt.Value + _setup.TableCheckInterval;
            var healthy = plan.Uplinks.Where(u => u.Healthy).Select(u => u.Name).ToList();
            DaemonLog.Applied(_log, healthy.Count == 0 ? "no uplink is healthy, new connections follow the main table" : $"balancing over {string.Join(", ", healthy)}",
                ApplySummary.Of(result), (long)_lastDuration.Value.TotalMilliseconds);
            foreach (var c in result.Changes)
                DaemonLog.AppliedChange(_log, ApplySummary.Word(c.Action), ApplySummary.Word(c.Subject), c.Description);
            if (unroutable.Count > 0) DaemonLog.Unroutable(_log, string.Join(", ", unroutable.Order()));
            FlushOwed();
            FailbackOwed();
        }
        catch (ApplyFailedException e) when (RefusedGateways.Refused(e, _model) is { } refused && !_gateways.Contains(refused.Uplink))
        {
            // Plan the uplink out as if its interface were down and apply again at once:
            // each uplink is added once, so this ends after at most one apply per uplink.
            _applyFailures++;
            _gateways.Add(refused.Uplink, refused.Reason, _time.GetUtcNow());
            DaemonLog.GatewayRefused(_log, refused.Uplink, refused.Reason, (long)_setup.GatewayRetry.TotalSeconds);
            Apply(_gateways.With(unroutable));
        }
        catch (Exception e) when (e is ApplyFailedException or CommandFailedException)
        {
            _lastDuration = Stopwatch.GetElapsedTime(started);
            _applyFailures++;
            _failuresInRow++;
            _lastError = e.Message;
            var wait = TimeSpan.FromTicks(Math.Min(_setup.RetryMax.Ticks,
                _setup.RetryFirst.Ticks * (1L << Math.Min(_failuresInRow - 1, 20))));
            _retryAt = _time.GetUtcNow() + wait;
            DaemonLog.ApplyFailed(_log, _failuresInRow, (long)wait.TotalMilliseconds, e.Message);
        }
    }

    /// <summary>
    /// After the kernel stopped sending new connections to a failed uplink, its
    /// established ones are deleted from conntrack by mark (flush: dead), never the whole
    /// table. Before that apply succeeded, a flushed connection could be re-balanced onto
    /// the dead uplink, so the flush waits for it.
    /// <para>
    /// Not while no uplink is healthy: there is nowhere to move those connections, and
    /// the uplink may come back (issue 14); they stay owed. In an HA pair, a flush waits
    /// ha.flush-delay and then happens only on the VRRP master: conntrackd replicates
    /// deletions, and a router whose uplinks failed is handing its connections to the
    /// peer, whose uplinks carry them on. A flush there would delete them on the peer too.
    /// </para>
    /// </summary>
    private void FlushOwed()
    {
        if (_flushOwed.Count == 0) return;
        // With no healthy uplink there is nowhere better to send them: keep them owed until one is back.
        if (FlushGuard.NowhereBetter(_appliedPlan))
        {
            if (_flushHeldLogged != string.Join(",", _flushOwed.Order()))
            {
                _flushHeldLogged = string.Join(",", _flushOwed.Order());
                HaAgent.FlushHeld(_log, string.Join(", ", _flushOwed.Order()));
            }
            return;
        }
        _flushHeldLogged = null;
        var now = _time.GetUtcNow();
        foreach (var name in _flushOwed.Order().ToList())
        {
            if (_model.Ha is { } ha && _ha is { } agent)
            {
                if (now < _flushOwedSince.GetValueOrDefault(name) + ha.FlushDelay) continue;
                if (agent.Role() is { IsMaster: false } role)
                {
                    _flushOwed.Remove(name);
                    HaAgent.FlushSkipped(_log, name, role.Word, role.Detail);
                    continue;
                }
            }
            _flushOwed.Remove(name);
            if (_model.Flush == FlushPolicy.None || _model.Uplinks.FirstOrDefault(u => u.Name == name) is not { } uplink) continue;
            var mark = _model.Marks.Value(uplink.Id);
            try
            {
                var n = _setup.Kernel.FlushConntrack(mark, _model.Marks.Mask, uplink.Families);
                DaemonLog.Flushed(_log, n, name, $"0x{mark:x}/0x{_model.Marks.Mask:x}");
            }
            catch (Exception e) when (e is CommandFailedException or Linux.Interop.KernelCallException)
            {
                DaemonLog.FlushFailed(_log, name, e.Message);
            }
        }
    }

    /// <summary>Probes in a passive-health confirmation burst, and the gap between their starts.</summary>
    internal const int BurstProbes = 3;
    internal static readonly TimeSpan BurstGap = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Passive health suspects an uplink: unless it is already down (or being confirmed), a
    /// burst of probes is sent at once, off the loop; <see cref="BurstDone"/> brings the result.
    /// </summary>
    private void Confirm(PassiveSuspicion s)
    {
        var name = s.Uplink;
        if (_monitor.Uplinks.GetValueOrDefault(name) is not { State: HealthState.Up } || !_bursting.Add(name)) return;
        var uplink = _model.Uplinks.FirstOrDefault(u => u.Name == name);
        if (uplink is not { Probe.Enabled: true } || _setup.Prober(_model, uplink) is not { } round)
        {
            _bursting.Remove(name);
            PassiveLog.Unconfirmable(_log, name, s.Reason);
            _passive?.Reset(name);
            return;
        }
        PassiveLog.Suspect(_log, name, s.Reason, BurstProbes, (int)BurstGap.TotalMilliseconds);
        var timeout = _timeouts.GetValueOrDefault(name)?.Current ?? uplink.Probe.Timeout;
        var epoch = _epoch;
        _ = Task.Run(async () =>
        {
            var rounds = new List<Task<ProbeRound>>();
            for (var i = 0; i < BurstProbes; i++)
            {
                if (i > 0) await Task.Delay(BurstGap, _time).ConfigureAwait(false);
                rounds.Add(Probe(round, timeout));
            }
            _inbox.Writer.TryWrite(new BurstDone(s, epoch, await Task.WhenAll(rounds).ConfigureAwait(false)));
        });
    }

    private static async Task<ProbeRound> Probe(Func<TimeSpan, CancellationToken, Task<ProbeRound>> round, TimeSpan timeout)
    {
        try
        {
            return await round(timeout, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return ProbeRound.Broken(e.Message);
        }
    }

    /// <summary>A failed burst takes the uplink down at once; an answered one drops the suspicion.</summary>
    private void Confirmed(BurstDone b)
    {
        var name = b.Suspicion.Uplink;
        _bursting.Remove(name);
        if (b.Epoch != _epoch || !_monitor.Uplinks.ContainsKey(name)) return;
        if (b.Failed)
            Log(_monitor.ReportDead(name, $"passive: {b.Suspicion.Reason}; a burst of {b.Rounds.Count} probes failed: {b.Rounds[^1]}"));
        else
        {
            PassiveLog.Cleared(_log, name, b.Rounds.First(r => r.Good).ToString());
            _passive?.Reset(name);
        }
    }

    /// <summary>Tells the failback policy which uplinks the plan leaves out now (its hold starts here).</summary>
    private void ObserveTiers() => _failback.Observe(Unhealthy.Concat(_links.Unroutable).ToHashSet());

    /// <summary>
    /// failback: move. Once a better tier has been healthy for the hold, the connections
    /// left on worse tiers are deleted by mark, like a dead uplink's (flush: dead), so
    /// long-lived ones leave the reserve link. Called only when the kernel holds the
    /// current plan: a flushed connection is then re-balanced onto the better tier.
    /// </summary>
    private void FailbackOwed()
    {
        foreach (var f in _failback.Due())
        {
            // In an HA pair only the master moves connections: a backup's deletions would
            // reach the master through conntrackd.
            if (_ha is { } agent && agent.Role() is { IsMaster: false } role)
            {
                HaAgent.FlushSkipped(_log, f.Uplink.Name, role.Word, role.Detail);
                continue;
            }
            var mark = _model.Marks.Value(f.Uplink.Id);
            try
            {
                var n = _setup.Kernel.FlushConntrack(mark, _model.Marks.Mask, f.Families);
                DaemonLog.FailbackFlushed(_log, f.BetterTier, StatusFormatter.Ago(_model.FailbackHold), n, f.Uplink.Tier, f.Uplink.Name,
                    $"0x{mark:x}/0x{_model.Marks.Mask:x}");
            }
            catch (Exception e) when (e is CommandFailedException or Linux.Interop.KernelCallException)
            {
                DaemonLog.FlushFailed(_log, f.Uplink.Name, e.Message);
            }
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
        _gateways.Clear();
        var keep = SameHealthInputs(_model, next);
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
        _flushOwed.Clear();
        _monitor = NewMonitor(next);
        Signal(_links.Bind(next.Uplinks));
        _ = StopProbes();
        StartProbes();
    }

    /// <summary>Whether the monitor's state still describes the new configuration's uplinks.</summary>
    internal static bool SameHealthInputs(JunctionModel a, JunctionModel b) =>
        a.Marks == b.Marks && a.Uplinks.Count == b.Uplinks.Count && a.Uplinks.Zip(b.Uplinks).All(p =>
            p.First.Name == p.Second.Name && p.First.Interface == p.Second.Interface && p.First.Id == p.Second.Id
            && p.First.Families == p.Second.Families && SameProbe(p.First.Probe, p.Second.Probe));

    private static bool SameProbe(ProbeModel a, ProbeModel b) =>
        a with { Targets = [] } == b with { Targets = [] } && a.Targets.SequenceEqual(b.Targets);

    private HealthMonitor NewMonitor(JunctionModel model)
    {
        _history = model.Uplinks.ToDictionary(u => u.Name, _ => new ProbeHistory());
        // State changes are counted since the daemon started (a Prometheus counter), so an
        // uplink that survives a reload keeps its count.
        var before = _changes;
        _changes = model.Uplinks.ToDictionary(u => u.Name, u => before.GetValueOrDefault(u.Name));
        return new HealthMonitor(model.Uplinks, _time, _setup.Damping);
    }

    private IReadOnlyList<LinkEvent> ReadLinksOrEmpty()
    {
        try
        {
            return _setup.Kernel.ReadLinks();
        }
        catch (Exception e) when (e is CommandFailedException or System.Text.Json.JsonException)
        {
            DaemonLog.ListenerFailed(_log, $"could not read the interfaces: {e.Message}");
            return [];
        }
    }

    private void StartProbes()
    {
        var epoch = ++_epoch;
        _probes = new CancellationTokenSource();
        var scheduler = new ProbeScheduler(_time, _random);
        _timeouts = [];
        foreach (var uplink in _model.Uplinks.Where(u => u.Probe.Enabled))
        {
            if (_setup.Prober(_model, uplink) is not { } round) continue;
            var name = uplink.Name;
            var timeout = _timeouts[name] = new AdaptiveTimeout(uplink.Probe.Timeout);
            _probeTasks.Add(scheduler.RunAsync(uplink.Probe, timeout, round,
                r => _inbox.Writer.TryWrite(new ProbeReported(name, epoch, r)), _probes.Token));
        }
    }

    /// <summary>
    /// Stops the current probes. What it stops is taken before the first await, so a
    /// reload that starts new probes right after cannot have them forgotten.
    /// </summary>
    private async Task StopProbes()
    {
        if (_probes is not { } cts) return;
        _probes = null;
        var tasks = _probeTasks.ToList();
        _probeTasks.Clear();
        await cts.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        cts.Dispose();
    }

    private async Task Pump(ChannelReader<LinkEvent> events, CancellationToken stop)
    {
        try
        {
            await foreach (var e in events.ReadAllAsync(stop).ConfigureAwait(false))
                _inbox.Writer.TryWrite(new LinkObserved(e));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Without link events only probes notice failures: slower, but still safe.
            DaemonLog.ListenerFailed(_log, e.Message);
        }
    }

    private async Task Ticker(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_setup.TickInterval, _time, stop).ConfigureAwait(false);
                _inbox.Writer.TryWrite(new Tick());
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The balance mode as the configuration spells it.</summary>
    private static string Word(BalanceMode mode) => mode switch
    {
        BalanceMode.RoundRobin => "round-robin",
        BalanceMode.Random => "random",
        BalanceMode.HashSource => "hash-source",
        _ => "hash-source-destination",
    };

    private DaemonSnapshot Build()
    {
        var now = _time.GetUtcNow();
        var plan = _appliedPlan;
        var operators = _operator.Current;
        var uplinks = _model.Uplinks.Select(u =>
        {
            var health = _monitor.Uplinks[u.Name];
            var history = _history.GetValueOrDefault(u.Name);
            var planned = plan?.Uplinks.FirstOrDefault(p => p.Name == u.Name);
            return new UplinkSnapshot(u.Name, u.Interface, u.Weight, _model.Marks.Value(u.Id), _model.Marks.Table(u.Id),
                planned is { Healthy: true } ? planned.Share : 0, health.State, health.Since, health.Reason,
                _changes.GetValueOrDefault(u.Name), history?.LastRtt, u.Probe.Enabled ? history?.Loss : null,
                _links.Carrier(u.Name), u.Snat.Pool.Select(a => a.ToString()).ToList())
            {
                Tier = u.Tier,
                InUse = planned is { InUse: true },
                PlannedOut = _gateways.Reason(u.Name),
                Operator = operators.Of(u.Name),
                ProbeTimeout = _timeouts.GetValueOrDefault(u.Name)?.Current,
            };
        }).ToList();
        return new DaemonSnapshot(_setup.ConfigPath, _startedAt, now, Word(_model.Balance), _model.Marks.Mask,
            plan?.Fallback ?? true,
            new ApplyStats(_applies, _applyFailures, _lastAppliedAt, _lastDuration, _lastError, _configLoadedAt),
            uplinks)
        {
            TableDrift = _tableDrift,
            FailbackDue = _failback.DueAt,
            Ha = _ha is { } agent && agent.Role() is var role ? new HaSnapshot(role.Word, role.Detail, agent.Reported, agent.Model.StateDirectory) : null,
        };
    }
}
