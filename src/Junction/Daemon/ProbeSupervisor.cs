using System.Threading.Channels;
using Junction.Health;
using Junction.Model;

namespace Junction.Cli.Daemon;

/// <summary>
/// Starts and stops the probe rounds of every probed uplink, each round posted to the
/// loop as a <see cref="ProbeReported"/>. Each start is a new <see cref="Epoch"/>: rounds
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

    /// <summary>The probe set running now; rounds carry it.</summary>
    public long Epoch { get; private set; }

    /// <summary>The uplink's current adaptive timeout; null when it is not probed.</summary>
    public TimeSpan? Timeout(string uplink) => _timeouts.GetValueOrDefault(uplink)?.Current;

    public void Start(JunctionModel model)
    {
        var epoch = ++Epoch;
        _probes = new CancellationTokenSource();
        var scheduler = new ProbeScheduler(setup.Time, _random);
        _timeouts = [];
        foreach (var uplink in model.Uplinks.Where(u => u.Probe.Enabled))
        {
            if (setup.Prober(model, uplink) is not { } round) continue;
            var name = uplink.Name;
            var timeout = _timeouts[name] = new AdaptiveTimeout(uplink.Probe.Timeout);
            _probeTasks.Add(scheduler.RunAsync(uplink.Probe, timeout, round,
                r => inbox.TryWrite(new ProbeReported(name, epoch, r)), _probes.Token));
        }
    }

    /// <summary>
    /// Stops the current probes. What it stops is taken before the first await, so a
    /// reload that starts new probes right after cannot have them forgotten.
    /// </summary>
    public async Task Stop()
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
}
