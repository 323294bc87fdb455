using System.Threading.Channels;

namespace Junction.Cli.Daemon;

/// <summary>
/// The loop's one timer. After each batch the loop sets it to the earliest time something is
/// due that no event will bring (a retry, a paced apply, a hold running out, the table check,
/// a watchdog ping); then it posts one <see cref="Tick"/>. An idle daemon thus wakes when
/// there is work, not four times a second: the fixed 250 ms tick it replaces cost a timer
/// thread wake-up, a thread-pool hand-over and a whole batch each time. One timer is kept
/// and moved; a time already set is not set again.
/// </summary>
internal sealed class DaemonAlarm : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private DateTimeOffset? _due;

    public DaemonAlarm(TimeProvider time, ChannelWriter<DaemonEvent> inbox)
    {
        _time = time;
        _timer = time.CreateTimer(static state => ((ChannelWriter<DaemonEvent>)state!).TryWrite(new Tick()), inbox,
            Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>When the next <see cref="Tick"/> is posted; null: none is armed.</summary>
    public DateTimeOffset? Due => _due;

    /// <summary>Posts a <see cref="Tick"/> at <paramref name="due"/> (at once when it has passed); null: none.</summary>
    public void Set(DateTimeOffset? due)
    {
        if (due == _due) return;
        _due = due;
        var wait = due is { } at ? at - _time.GetUtcNow() : Timeout.InfiniteTimeSpan;
        _timer.Change(wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan ? TimeSpan.Zero : wait, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The loop took the <see cref="Tick"/>: nothing is armed until the next <see cref="Set"/>.</summary>
    public void Rang() => _due = null;

    public void Dispose() => _timer.Dispose();
}
