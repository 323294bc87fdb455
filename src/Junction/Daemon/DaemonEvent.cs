using Junction.Health;
using Junction.Linux.Netlink;

namespace Junction.Cli.Daemon;

/// <summary>Everything that reaches the daemon's loop, through one channel, in arrival order.</summary>
internal abstract record DaemonEvent;

/// <summary>
/// One probe round of an uplink. <see cref="Epoch"/> names the probe set that sent it:
/// rounds of probes stopped by a reload are dropped.
/// </summary>
internal sealed record ProbeReported(string Uplink, long Epoch, ProbeRound Round) : DaemonEvent;

/// <summary>Rounds the probe engine handed over together, in order; <see cref="Uplinks"/> names its jobs.</summary>
internal sealed record ProbesReported(long Epoch, IReadOnlyList<string> Uplinks, Junction.Linux.Probes.ProbeReport[] Reports) : DaemonEvent;

/// <summary>An rtnetlink event (or <see cref="EventsLost"/>: re-read every interface).</summary>
internal sealed record LinkObserved(LinkEvent Event) : DaemonEvent;

/// <summary>Someone (maybe Junction itself) changed Junction's table, rules or routes: compare the kernel with the plan.</summary>
internal sealed record KernelTouched(string What) : DaemonEvent;

/// <summary>SIGHUP: read the configuration file again.</summary>
internal sealed record ReloadRequested : DaemonEvent;

/// <summary>
/// The loop's <see cref="DaemonAlarm"/> rang: something is due (a hold of an uplink without
/// probes expires, a failed apply is retried, ...). Every batch looks at what is due; this
/// one only wakes the loop when no other event would.
/// </summary>
internal sealed record Tick : DaemonEvent;
