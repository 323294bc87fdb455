using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Junction.Linux.Systemd;

/// <summary>
/// The sd_notify protocol, spoken without libsystemd: one datagram of newline-separated
/// <c>KEY=VALUE</c> lines to the Unix socket named by <c>NOTIFY_SOCKET</c> (a path, or an
/// abstract name written with a leading '@'). Outside systemd (no NOTIFY_SOCKET) every call
/// does nothing and returns false, so the daemon calls it unconditionally.
/// The daemon says <see cref="Ready"/> once the first plan is applied and the control socket
/// listens, <see cref="Status"/> on every change worth a line in <c>systemctl status</c>,
/// and <see cref="Watchdog"/> every <see cref="WatchdogInterval"/> from its main loop (not
/// from a timer of its own, so a stuck loop is what the watchdog catches).
/// </summary>
public sealed class SdNotify
{
    private readonly UnixDomainSocketEndPoint? _endpoint;

    public SdNotify(string? notifySocket, string? watchdogUsec = null, string? watchdogPid = null, int? pid = null)
    {
        if (!string.IsNullOrEmpty(notifySocket) && (notifySocket[0] is '/' or '@'))
            _endpoint = new UnixDomainSocketEndPoint(notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket);
        // WATCHDOG_PID, when set, names the process the watchdog is meant for (not a child of it).
        var forUs = watchdogPid is null || int.TryParse(watchdogPid, CultureInfo.InvariantCulture, out var p) && p == (pid ?? Environment.ProcessId);
        if (forUs && ulong.TryParse(watchdogUsec, CultureInfo.InvariantCulture, out var usec) && usec > 0)
            WatchdogInterval = TimeSpan.FromMicroseconds(usec / 2.0);
    }

    /// <summary>From this process's environment, as systemd sets it.</summary>
    public static SdNotify FromEnvironment() => new(
        Environment.GetEnvironmentVariable("NOTIFY_SOCKET"),
        Environment.GetEnvironmentVariable("WATCHDOG_USEC"),
        Environment.GetEnvironmentVariable("WATCHDOG_PID"));

    /// <summary>Whether systemd is listening (Type=notify).</summary>
    public bool Enabled => _endpoint is not null;

    /// <summary>How often to send WATCHDOG=1: half of WatchdogSec, as sd_watchdog_enabled(3) advises; null without a watchdog.</summary>
    public TimeSpan? WatchdogInterval { get; }

    public bool Ready(string? status = null) => Notify(status is null ? "READY=1" : $"READY=1\nSTATUS={status}");

    public bool Status(string status) => Notify($"STATUS={status}");

    public bool Watchdog() => WatchdogInterval is not null && Notify("WATCHDOG=1");

    public bool Reloading() => Notify($"RELOADING=1\nMONOTONIC_USEC={MonotonicMicroseconds()}");

    public bool Stopping() => Notify("STOPPING=1");

    /// <summary>Sends raw state lines; false when there is no socket or sending failed (never throws).</summary>
    public bool Notify(string state)
    {
        if (_endpoint is null) return false;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.UTF8.GetBytes(state), _endpoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // RELOADING=1 wants CLOCK_MONOTONIC in microseconds; Stopwatch's timestamp is that clock on Linux.
    private static long MonotonicMicroseconds() =>
        (long)(System.Diagnostics.Stopwatch.GetTimestamp() * (1_000_000.0 / System.Diagnostics.Stopwatch.Frequency));
}
