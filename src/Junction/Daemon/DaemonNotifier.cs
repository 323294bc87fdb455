using Junction.Health;
using Junction.Linux.Systemd;
using Junction.Status;

namespace Junction.Cli.Daemon;

/// <summary>
/// When the daemon tells systemd what (sd_notify): READY=1 once a plan is applied and the
/// control socket listens, STATUS= whenever the one-line summary changes (a health change,
/// an apply failing), RELOADING=1 and READY=1 around a reload, STOPPING=1 on the way out,
/// and WATCHDOG=1 at <see cref="SdNotify.WatchdogInterval"/>. Every call comes from the
/// daemon's loop, so the watchdog pings stop when the loop is stuck, which is what the
/// watchdog is for. Time is injected: tests drive it with a manual clock.
/// </summary>
internal sealed class DaemonNotifier(SdNotify notify, TimeProvider time)
{
    private bool _serving, _ready, _reloading;
    private string? _status;
    private DateTimeOffset? _lastPing;

    /// <summary>The control socket listens: the next <see cref="Turned"/> with an applied plan says READY=1.</summary>
    public void Serving() => _serving = true;

    public void Reloading()
    {
        // Before READY=1 there is nothing to say: systemd still waits for the start.
        if (!_ready) return;
        _reloading = true;
        notify.Reloading();
    }

    /// <summary>After every batch of the loop.</summary>
    public void Turned(DaemonSnapshot snapshot)
    {
        var status = Summary(snapshot);
        if (_serving && snapshot.Applies.LastAppliedAt is not null && (!_ready || _reloading))
        {
            notify.Ready(status);
            _ready = true;
            _reloading = false;
            _status = status;
        }
        else if (status != _status)
        {
            notify.Status(status);
            _status = status;
        }
        var now = time.GetUtcNow();
        if (notify.WatchdogInterval is { } every && (_lastPing is not { } last || now - last >= every))
        {
            notify.Watchdog();
            _lastPing = now;
        }
    }

    /// <summary>When the next watchdog ping is due; null without a watchdog (or before the first <see cref="Turned"/>).</summary>
    public DateTimeOffset? NextPing => notify.WatchdogInterval is { } every && _lastPing is { } last ? last + every : null;

    public void Stopping() => notify.Stopping();

    /// <summary>
    /// The line <c>systemctl status</c> shows, e.g. "2 of 3 uplinks up; isp3 down (3 failed
    /// rounds in a row ...)"; it changes only when a state, a reason or the apply error does.
    /// </summary>
    internal static string Summary(DaemonSnapshot s)
    {
        var up = s.Uplinks.Count(u => u.State == HealthState.Up);
        var parts = new List<string> { $"{up} of {s.Uplinks.Count} uplinks up" };
        if (up == 0 && s.Applies.LastAppliedAt is not null) parts[0] += ", new connections follow the main table";
        parts.AddRange(s.Uplinks.Where(u => u.State != HealthState.Up)
            .Select(u => u.State == HealthState.Unknown ? $"{u.Name} unknown (probing)" : $"{u.Name} down ({u.Reason})"));
        if (s.Applies.LastError is { } error) parts.Add($"apply failing: {error.Split('\n')[0]}");
        return string.Join("; ", parts);
    }
}
