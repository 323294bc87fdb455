namespace Junction.Model;

/// <summary>
/// <c>ha:</c>, validated: this router is one of a keepalived (VRRP) and conntrackd pair. The
/// daemon keeps <see cref="HealthFile"/> for keepalived's <c>track_file</c> and reads the role
/// keepalived's notify script writes to <see cref="RoleFile"/>.
/// </summary>
public sealed record HaModel(string StateDirectory, TimeSpan FlushDelay)
{
    public const string DefaultStateDirectory = "/run/junction/ha";
    public static readonly TimeSpan DefaultFlushDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultHoldAfterStart = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After the daemon starts on a router that is not the live VRRP master, the health file
    /// reports every uplink unhealthy for this long: a router back from a reboot takes
    /// mastership back only after conntrackd has fetched its peer's connections. (keepalived's
    /// preempt_delay would do it too, but it also delays every takeover by a healthier
    /// backup, such as when the master's uplinks die.)
    /// </summary>
    public TimeSpan HoldAfterStart { get; init; } = DefaultHoldAfterStart;

    /// <summary>The number of unhealthy uplinks, one line; keepalived's <c>track_file</c> multiplies it by a negative weight.</summary>
    public string HealthFile => Path.Combine(StateDirectory, "health");

    /// <summary>"STATE PID" written by keepalived's notify script: MASTER, BACKUP, FAULT or STOP, and the VRRP process.</summary>
    public string RoleFile => Path.Combine(StateDirectory, "vrrp");
}
