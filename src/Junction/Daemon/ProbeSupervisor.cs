using System.Threading.Channels;
using Junction.Health;
using Junction.Linux.Probes;
using Junction.Model;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>
/// Starts and stops the probe rounds of every probed uplink. The daemon probes through one
/// <see cref="ProbeEngine"/> thread whose batches arrive as <see cref="ProbesReported"/>
/// (only rounds that may change health) and which records every round in the uplink's
/// <see cref="ProbeHistory"/> itself;
/// tests feed rounds through <see cref="DaemonSetup.Prober"/> and <see cref="ProbeScheduler"/>
/// (one <see cref="ProbeReported"/> each). Each start is a new <see cref="Epoch"/>: rounds
/// of probes stopped by a reload are recognised and dropped. Holds each uplink's adaptive
/// timeout, which status reports and a passive-health burst uses.
/// </summary>
internal sealed class ProbeSupervisor(DaemonSetup setup, ChannelWriter<DaemonEvent> inbox)
{
    private readonly Random _random = new(setup.Seed);
    private CancellationTokenSource? _probes;
    private readonly List<Task> _probeTasks = [];
    // Each probed uplink's adaptive timeout; replaced with the probes.
    private Dictionary<string, AdaptiveTimeout> _timeouts = [];
    private ProbeEngine? _engine;
    private string[] _jobs = [];
    // Whether each engine job's uplink is up, as the loop saw it last: the engine may then gather its good rounds.
    private bool[] _up = [];

    /// <summary>The probe set running now; rounds carry it.</summary>
    public long Epoch { get; private set; }

    /// <summary>The uplink's current adaptive timeout; null when it is not probed.</summary>
    public TimeSpan? Timeout(string uplink) => _timeouts.GetValueOrDefault(uplink)?.Current;

    /// <summary>
    /// Starts probing <paramref name="model"/>'s uplinks. With the engine, every round is
    /// recorded in <paramref name="histories"/> on its thread; otherwise the loop records the
    /// rounds it is handed (<see cref="ProbeReported"/>).
    /// </summary>
    public void Start(JunctionModel model, IReadOnlyDictionary<string, ProbeHistory> histories)
    {
        var epoch = ++Epoch;
        _timeouts = [];
        if (setup.ProbeEngine)
        {
            StartEngine(model, epoch, histories);
            return;
        }
        _probes = new CancellationTokenSource();
        var scheduler = new ProbeScheduler(setup.Time, _random);
        foreach (var uplink in model.Uplinks.Where(u => u.Probe.Enabled))
        {
            if (setup.Prober(model, uplink) is not { } round) continue;
            var name = uplink.Name;
            var timeout = _timeouts[name] = new AdaptiveTimeout(uplink.Probe.Timeout);
            _probeTasks.Add(scheduler.RunAsync(uplink.Probe, timeout, round,
                r => inbox.TryWrite(new ProbeReported(name, epoch, r)), _probes.Token));
        }
    }

    private void StartEngine(JunctionModel model, long epoch, IReadOnlyDictionary<string, ProbeHistory> histories)
    {
        var log = setup.Logger;
        var jobs = model.Uplinks.Where(u => u.Probe.Enabled)
            .Select(u => new ProbeJob(u.Name, u.Probe, ProbeBinding.For(model, u), _timeouts[u.Name] = new AdaptiveTimeout(u.Probe.Timeout))
            {
                Observed = Observed(u.Name, histories.GetValueOrDefault(u.Name) ?? new ProbeHistory(), log),
            })
            .ToList();
        var names = _jobs = [.. jobs.Select(j => j.Uplink)];
        var up = _up = new bool[jobs.Count];
        if (jobs.Count == 0) return;
        _engine = ProbeEngine.Start(jobs, _random, batch => inbox.TryWrite(new ProbesReported(epoch, names, batch)),
            i => Volatile.Read(ref up[i]), reason => DaemonLog.ProbeEngineFailed(log, reason));
    }

    /// <summary>Every round of the uplink, on the engine's thread: into its history, and into the trace log (most never reach the loop).</summary>
    private static Action<ProbeRound> Observed(string uplink, ProbeHistory history, ILogger log) => round =>
    {
        history.Add(round);
        // 40 rounds a second with 8 uplinks: format them only when someone reads them.
        if (log.IsEnabled(LogLevel.Trace)) DaemonLog.Round(log, uplink, round.ToString());
    };

    /// <summary>After each batch: tells the engine which uplinks are up (their good rounds may wait to be handed over).</summary>
    public void Observe(HealthMonitor monitor)
    {
        for (var i = 0; i < _jobs.Length; i++)
            Volatile.Write(ref _up[i], monitor.Uplinks.TryGetValue(_jobs[i], out var h) && h.State == HealthState.Up);
    }

    /// <summary>
    /// Stops the current probes. What it stops is taken before the first await, so a
    /// reload that starts new probes right after cannot have them forgotten.
    /// </summary>
    public async Task Stop()
    {
        if (_engine is { } engine)
        {
            _engine = null;
            engine.Dispose();
        }
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
}
