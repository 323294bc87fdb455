using System.Threading.Channels;
using Junction.Health;
using Junction.Linux.Netlink;
using Junction.Linux.Processes;
using Junction.Model;
using Junction.Planning;
using Junction.Status;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>
/// <c>junction run</c>: one loop owns the health monitor, the link view and the applier.
/// Probes, rtnetlink, SIGHUP and the loop's own <see cref="DaemonAlarm"/> only post
/// <see cref="DaemonEvent"/>s into one channel; the loop drains whatever has arrived as one
/// batch, feeds it to the monitor, and then applies at most once: a carrier loss and the
/// probe rounds that arrive with it cost one apply, not three. Between batches it sleeps
/// until the next event or the earliest thing due (<see cref="NextDue"/>), nothing sooner.
/// A failed apply leaves the kernel as it was (the applier rolls back) and is retried with
/// a doubling delay. Deciding (<see cref="HealthMonitor"/>,
/// <see cref="Planner"/>) stays pure; this class only sequences it and talks to the kernel.
/// </summary>
internal sealed partial class JunctionDaemon : IStatusSource
{
    private readonly DaemonSetup _setup;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Channel<DaemonEvent> _inbox = Channel.CreateUnbounded<DaemonEvent>(new() { SingleReader = true });
    private readonly LinkTable _links = new();
    private readonly DateTimeOffset _startedAt;
    private readonly DaemonAlarm _alarm;
    // Whether the kernel held the current plan after the last batch: flushes wait for it.
    private bool _converged;

    // Read by the control server's threads (explain) while the loop may replace it.
    private volatile JunctionModel _model;
    private readonly HealthBook _health;
    private FailbackPolicy _failback;

    private readonly ApplyRunner _applier;
    private readonly ConnectionFlusher _flusher;
    private readonly ProbeSupervisor _probes;
    private readonly PassiveConfirmation _confirmation;
    private readonly SnapshotBuilder _builder;
    private HaAgent? _ha;
    private readonly OperatorState _operator;
    private readonly List<TaskCompletionSource> _operatorWaiting = [];
    private PassiveHealthFeed? _passive;

    private DateTimeOffset? _configLoadedAt;
    // The snapshot is built when someone asks (status, metrics, explain) or when what systemd's
    // status line says may have changed, not after each batch: probes alone bring several a
    // second, and building read the HA role file each time. _gate keeps a build on a control
    // thread out of a batch in progress.
    private readonly Lock _gate = new();
    private DaemonSnapshot _snapshot;
    private bool _stale;
    private (long Transitions, long Applies, long Failures, JunctionModel Model, OperatorOverrides Operators) _built;

    public JunctionDaemon(DaemonSetup setup)
    {
        _setup = setup;
        _log = setup.Logger;
        _time = setup.Time;
        _applier = new ApplyRunner(setup);
        _flusher = new ConnectionFlusher(setup);
        _probes = new ProbeSupervisor(setup, _inbox.Writer);
        _confirmation = new PassiveConfirmation(setup, _probes, _inbox.Writer);
        _alarm = new DaemonAlarm(_time, _inbox.Writer);
        _startedAt = _time.GetUtcNow();
        _builder = new SnapshotBuilder(setup, _startedAt);
        _configLoadedAt = _startedAt;
        _model = setup.Model;
        _ha = _model.Ha is { } ha ? new HaAgent(ha, _log, _startedAt) : null;
        _operator = new OperatorState(setup.OperatorStatePath, _log);
        _operator.Load(_model.Uplinks.Select(u => u.Name).ToList());
        _health = new HealthBook(_time, _setup.Damping).For(_model);
        _failback = new FailbackPolicy(_model, _time);
        _snapshot = Build();
        _built = Signature();
    }

    internal JunctionModel Model => _model;

    internal HealthMonitor Monitor => _health.Monitor;

    internal OperatorState Operator => _operator;

    /// <summary>When the loop wakes if no event arrives first; null: not before one does.</summary>
    internal DateTimeOffset? NextWake => _alarm.Due;

    /// <summary>Uplinks that get no new connections: health's verdict with the operator's overrides.</summary>
    private IReadOnlySet<string> Unhealthy => _operator.Current.Unhealthy(_health.Monitor.Unhealthy);

    /// <summary>The plan the kernel holds now; null before the first apply succeeded.</summary>
    internal DesiredState? Applied => _applier.State.Plan;

    /// <summary>
    /// Thread-safe: an immutable record, rebuilt when the loop has changed something since the
    /// last one, and always with the probe engine, whose rounds mostly do not reach the loop
    /// (their loss and RTT are read from the histories now).
    /// </summary>
    public DaemonSnapshot Snapshot()
    {
        lock (_gate)
        {
            if (_stale || _setup.ProbeEngine) Rebuild();
            return _snapshot with { Now = _time.GetUtcNow() };
        }
    }

    /// <summary>
    /// Reads the links (an uplink whose interface is down starts Down, its routes planned
    /// out), applies, and starts the probes: after the apply, because probes to targets
    /// beyond the gateway need the uplink's routing table.
    /// </summary>
    internal void Start()
    {
        lock (_gate) Starting();
    }

    private void Starting()
    {
        // The interfaces first, then the uplinks on them: a fresh state machine is told
        // only what is wrong now (a link that is down), not a loss and a return.
        Signal(_links.Reset(ReadLinksOrEmpty()));
        Signal(_links.Bind(_model.Uplinks));
        ObserveTiers();
        Converge();
        _probes.Start(_model, _health.Histories);
        _passive ??= PassiveHealthFeed.Start(_model, _time, _inbox.Writer, _log, _setup.ConnectionEvents);
        Rebuild();
        Arm();
    }

    /// <summary>One batch: every event fed in order, then at most one apply.</summary>
    internal void Process(IReadOnlyList<DaemonEvent> batch)
    {
        lock (_gate)
        {
            foreach (var e in batch) Handle(e);
            // Holds of uplinks without probes run out with time alone (the alarm woke the loop for it).
            if (_health.Monitor.NextTick <= _time.GetUtcNow()) Log(_health.Monitor.Tick());
            _probes.Observe(_health.Monitor);
            ObserveTiers();
            _applier.CheckTable();
            Converge();
            // systemd's status line reads states, reasons and the apply error: rebuilt when those may have changed.
            if (Signature() != _built) Rebuild();
            else _stale = true;
        }
        _setup.Hooks.Turned(_snapshot);
        foreach (var done in _operatorWaiting) done.TrySetResult();
        _operatorWaiting.Clear();
        lock (_gate) Arm();
    }

    /// <summary>Sets the alarm for <see cref="NextDue"/>.</summary>
    private void Arm() => _alarm.Set(NextDue());

    /// <summary>
    /// The earliest time something is owed that no event will bring: the applier's retry,
    /// pacing or table check, a refused gateway tried again, a hold of an uplink without
    /// probes running out, an HA flush delay or failback hold ending, the HA start hold's
    /// role polls, a watchdog ping. Anything already due was done by the batch just run, so
    /// a time that has passed means it could not be (the kernel refused, the loop is behind):
    /// it is looked at again after <see cref="DaemonSetup.TickInterval"/>, never in a spin.
    /// </summary>
    private DateTimeOffset? NextDue()
    {
        var now = _time.GetUtcNow();
        var unhealthy = Unhealthy;
        var unroutable = _applier.Gateways.With(_links.Unroutable);
        var next = Earliest(_health.Monitor.NextTick, _applier.NextDue(_model, unhealthy, unroutable));
        next = Earliest(next, _applier.Gateways.NextExpiry(_setup.GatewayRetry));
        next = Earliest(next, _ha?.NextDue(now, _setup.TickInterval));
        next = Earliest(next, _setup.Hooks.NextDue);
        // Flushes and failbacks are made only once the kernel holds the current plan (an owed apply has its own time above).
        if (_converged) next = Earliest(Earliest(next, _flusher.NextDue(_model, _ha, _applier.State.Plan)), _failback.DueAt);
        return next <= now ? now + _setup.TickInterval : next;
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null || b < a ? b : a;

    private (long, long, long, JunctionModel, OperatorOverrides) Signature() =>
        (_health.Transitions, _applier.State.Applies, _applier.State.Failures, _model, _operator.Current);

    private void Rebuild()
    {
        _snapshot = Build();
        _built = Signature();
        _stale = false;
    }

    /// <summary>Applies when the kernel holds another plan than the current inputs ask for, unless a retry is not yet due.</summary>
    private void Converge()
    {
        var gateways = _applier.Gateways;
        gateways.Expire(_time.GetUtcNow() - _setup.GatewayRetry);
        var unroutable = gateways.With(_links.Unroutable);
        // keepalived hears of a change before the apply: a takeover need not wait for nft.
        var unhealthy = Unhealthy;
        _ha?.Report(_model.Uplinks.Count(u => unhealthy.Contains(u.Name) || unroutable.Contains(u.Name)), _model.Uplinks.Count, _time.GetUtcNow());
        _converged = _applier.Converge(_model, unhealthy, unroutable);
        if (!_converged) return;
        _flusher.FlushOwed(_model, _ha, _applier.State.Plan);
        _flusher.FailbackOwed(_model, _ha, _failback);
        // An apply leaves a few hundred KB of garbage; collected now, while the kernel already
        // holds the plan and nothing waits, the next apply (a failover) starts with a whole
        // gen0 budget (1 MiB in the native build) and does not stop midway for a collection
        // (1.7-6 ms measured in the carrier-loss benchmark). Applies are rare: the cost is nil.
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
    }

    /// <summary>Tells the failback policy which uplinks the plan leaves out now (its hold starts here).</summary>
    private void ObserveTiers() => _failback.Observe(Unhealthy.Concat(_links.Unroutable).ToHashSet());

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

    private DaemonSnapshot Build() => _builder.Build(_model, _health.Monitor, _operator.Current, _health.Histories, _health.Changes, _links,
        _applier, _probes, _failback, _ha, _configLoadedAt);
}
