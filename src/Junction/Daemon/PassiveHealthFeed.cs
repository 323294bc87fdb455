using System.Threading.Channels;
using Junction.Health;
using Junction.Linux.Conntrack;
using Junction.Model;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>
/// Passive health's plumbing: conntrack events (on the listener's own thread, never the
/// daemon's loop: a busy router sends thousands) go to a <see cref="PassiveMonitor"/> under
/// a lock, by the uplink whose mark they carry; its deadlines are checked on that thread when
/// they fall due (and after events), and an uplink that became suspect is posted to the loop as
/// <see cref="PassiveSuspected"/>, which confirms it with a probe burst.
/// </summary>
internal sealed class PassiveHealthFeed : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ChannelWriter<DaemonEvent> _inbox;
    private readonly ILogger _log;
    private readonly IDisposable _listener;
    private PassiveMonitor _monitor;
    private Dictionary<uint, string> _byMark;
    private uint _mask;
    private long _lost;
    private long _opened, _answered, _unmarked;
    private long _nextSummary;

    private PassiveHealthFeed(JunctionModel model, TimeProvider time, ChannelWriter<DaemonEvent> inbox, ILogger log,
        Func<uint, Action<ConnectionEvent>, Action, Func<TimeSpan?>, IDisposable> open)
    {
        (_time, _inbox, _log) = (time, inbox, log);
        (_monitor, _byMark, _mask) = For(model);
        _listener = open(model.Marks.Mask, OnEvent, OnLost, OnIdle);
    }

    /// <summary>Starts watching; null when passive health is off or the events cannot be had (logged: probes still work).</summary>
    public static PassiveHealthFeed? Start(JunctionModel model, TimeProvider time, ChannelWriter<DaemonEvent> inbox, ILogger log,
        Func<uint, Action<ConnectionEvent>, Action, Func<TimeSpan?>, IDisposable>? open)
    {
        if (open is null || !model.Passive.Enabled) return null;
        try
        {
            return new PassiveHealthFeed(model, time, inbox, log, open);
        }
        catch (Exception e) when (e is Linux.Interop.SyscallException or IOException)
        {
            PassiveLog.Unavailable(log, e.Message);
            return null;
        }
    }

    private (PassiveMonitor, Dictionary<uint, string>, uint) For(JunctionModel model) =>
        (new PassiveMonitor(model.Passive, model.Uplinks.Select(u => u.Name), _time),
         model.Uplinks.ToDictionary(u => model.Marks.Value(u.Id), u => u.Name), model.Marks.Mask);

    /// <summary>A reload: fresh state for the new uplinks and thresholds.</summary>
    public void Rebind(JunctionModel model)
    {
        lock (_lock) (_monitor, _byMark, _mask) = For(model);
    }

    /// <summary>The uplink's suspicion was settled, or it came back: it needs fresh evidence.</summary>
    public void Reset(string uplink)
    {
        lock (_lock) _monitor.Reset(uplink);
    }

    public TimeSpan Deadline(string uplink)
    {
        lock (_lock) return _monitor.Deadline(uplink);
    }

    private void OnEvent(ConnectionEvent e)
    {
        lock (_lock)
        {
            if (!_byMark.TryGetValue(e.Mark & _mask, out var uplink))
            {
                _unmarked++;
                return;
            }
            if (e.Kind == ConnectionEventKind.Opened)
            {
                _opened++;
                _monitor.Opened(uplink, e.Id, e.Destination?.ToString() ?? "");
            }
            else
            {
                _answered++;
                _monitor.Answered(uplink, e.Id);
            }
        }
    }

    /// <summary>Checks the deadlines; returns how long until the next one (the listener sleeps until then, or until an event).</summary>
    private TimeSpan? OnIdle()
    {
        IReadOnlyList<PassiveSuspicion> found;
        TimeSpan? next;
        lock (_lock)
        {
            found = _monitor.Check();
            next = _monitor.UntilNextDeadline();
            if (Environment.TickCount64 >= _nextSummary && _log.IsEnabled(LogLevel.Debug))
            {
                _nextSummary = Environment.TickCount64 + 1000;
                PassiveLog.Summary(_log, _opened, _answered, _unmarked);
            }
        }
        foreach (var s in found) _inbox.TryWrite(new PassiveSuspected(s));
        return next;
    }

    private void OnLost()
    {
        lock (_lock) _monitor.EventsLost();
        // Once, then every 100th time: a flood must not flood the log too.
        if (Interlocked.Increment(ref _lost) % 100 == 1) PassiveLog.EventsLost(_log, Interlocked.Read(ref _lost));
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>An uplink's new connections go unanswered: confirm with a probe burst.</summary>
internal sealed record PassiveSuspected(PassiveSuspicion Suspicion) : DaemonEvent;

/// <summary>The probe burst that followed a suspicion: <see cref="Rounds"/> all failed or not.</summary>
internal sealed record BurstDone(PassiveSuspicion Suspicion, long Epoch, IReadOnlyList<ProbeRound> Rounds) : DaemonEvent
{
    public bool Failed => Rounds.All(r => !r.Good);
}

internal static partial class PassiveLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "passive health: {Opened} connections opened, {Answered} answer events, {Unmarked} events of unknown marks so far")]
    public static partial void Summary(ILogger logger, long opened, long answered, long unmarked);

    [LoggerMessage(Level = LogLevel.Warning, Message = "passive health off: cannot subscribe to conntrack events ({Reason}); probes still watch every uplink")]
    public static partial void Unavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "passive health: conntrack events were lost (ENOBUFS, {Count} times so far); pending connections forgotten")]
    public static partial void EventsLost(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Information, Message = "uplink {Uplink} suspect (passive: {Reason}); confirming with {Probes} probes {Gap} ms apart")]
    public static partial void Suspect(ILogger logger, string uplink, string reason, int probes, int gap);

    [LoggerMessage(Level = LogLevel.Information, Message = "uplink {Uplink}: the probe burst answered ({Round}); suspicion dropped")]
    public static partial void Cleared(ILogger logger, string uplink, string round);

    [LoggerMessage(Level = LogLevel.Information, Message = "uplink {Uplink} suspect (passive: {Reason}) but it has no probes to confirm it; left to its link state")]
    public static partial void Unconfirmable(ILogger logger, string uplink, string reason);
}
