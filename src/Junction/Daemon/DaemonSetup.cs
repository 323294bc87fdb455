using Junction.Health;
using Junction.Model;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>What a <see cref="JunctionDaemon"/> is made of; tests swap the kernel, probes and time.</summary>
internal sealed record DaemonSetup(
    string ConfigPath,
    JunctionModel Model,
    Func<JunctionModel> LoadConfig,
    IDaemonKernel Kernel,
    TimeProvider Time,
    ILogger Logger)
{
    /// <summary>
    /// One probe round of an uplink, sockets made in the daemon's namespace; null: the
    /// uplink is not probed (it has no targets, or a test feeds rounds itself). A round is
    /// given its timeout (<see cref="AdaptiveTimeout"/>: at most the configured one).
    /// </summary>
    public Func<JunctionModel, UplinkModel, Func<TimeSpan, CancellationToken, Task<ProbeRound>>?> Prober { get; init; } = (_, _) => null;

    /// <summary>
    /// Probe every uplink through one <see cref="Junction.Linux.Probes.ProbeEngine"/> thread (the daemon);
    /// false: through <see cref="Prober"/> and <see cref="ProbeScheduler"/> (tests that feed rounds).
    /// <see cref="Prober"/> still sends passive health's confirmation bursts.
    /// </summary>
    public bool ProbeEngine { get; init; }

    public bool FlushOnExit { get; init; }

    /// <summary>The control socket and systemd; nothing by default.</summary>
    public IDaemonHooks Hooks { get; init; } = NoHooks.Instance;

    public DampingPolicy Damping { get; init; } = DampingPolicy.Default;

    /// <summary>
    /// How often what only polling can see is looked at (the HA role file during the start
    /// hold, a health file that could not be written), and how soon something due that could
    /// not be done is tried again. Everything else wakes the loop at its own time (<see cref="DaemonAlarm"/>).
    /// </summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How often the installed table's ownership record is compared with the plan applied
    /// last (one <c>nft list</c>): something else may have removed or replaced the table.
    /// </summary>
    public TimeSpan TableCheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The least time between an apply and the next one that only changes which uplinks can
    /// take routes (<see cref="ApplyPacer"/>); health changes are not held back.
    /// </summary>
    public TimeSpan RouteApplyInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The wait after a first failed apply; it doubles with each further failure.</summary>
    public TimeSpan RetryFirst { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan RetryMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an uplink whose gateway the kernel refused stays planned out before it is tried again.</summary>
    public TimeSpan GatewayRetry { get; init; } = TimeSpan.FromSeconds(60);

    public int Seed { get; init; } = Environment.TickCount;

    /// <summary>
    /// Conntrack events for passive health: (mark mask, on event, on lost, deadline check that
    /// returns the time until the next deadline) → a listener to dispose; null (unit tests):
    /// passive health is off.
    /// </summary>
    public Func<uint, Action<Junction.Linux.Conntrack.ConnectionEvent>, Action, Func<TimeSpan?>, IDisposable>? ConnectionEvents { get; init; }

    /// <summary>Where operator overrides (drain, down, up) are kept across restarts; null: in memory only.</summary>
    public string? OperatorStatePath { get; init; }
}
