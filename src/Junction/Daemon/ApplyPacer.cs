namespace Junction.Cli.Daemon;

/// <summary>
/// How often a change that is not about health may reach the kernel. Health changes are
/// damped by <see cref="Junction.Health.DampingPolicy"/> and applied at once; but a link
/// that flaps while its uplink is held down still changes which uplinks can take routes
/// on every flip, and each flip was an apply (177 in 20 s of a 100 ms flap). Such
/// route-only changes wait until <see cref="MinInterval"/> has passed since the last
/// apply of any kind; the loop wakes at <see cref="NextAt"/> to look again, so the last state
/// is always applied (a trailing apply), and a health change in between takes the latest routes with it.
/// </summary>
internal sealed class ApplyPacer(TimeSpan minInterval)
{
    private DateTimeOffset? _last;

    public TimeSpan MinInterval { get; } = minInterval;

    /// <summary>Whether a route-only change may be applied at <paramref name="now"/>.</summary>
    public bool Due(DateTimeOffset now) => _last is not { } last || now - last >= MinInterval;

    /// <summary>When a route-only change may next be applied.</summary>
    public DateTimeOffset NextAt => _last is { } last ? last + MinInterval : DateTimeOffset.MinValue;

    /// <summary>An apply was attempted (successful or not) at <paramref name="now"/>.</summary>
    public void Attempted(DateTimeOffset now) => _last = now;
}
