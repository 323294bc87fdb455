using System.Threading.Channels;
using Junction.Health.Tests;

namespace Junction.Cli.Daemon.Tests;

/// <summary>The loop's one timer: a tick at the time set, not before, and nothing when nothing is set.</summary>
public sealed class DaemonAlarmTests
{
    private readonly ManualTime _time = new();
    private readonly Channel<DaemonEvent> _inbox = Channel.CreateUnbounded<DaemonEvent>();

    private int Ticks()
    {
        var n = 0;
        while (_inbox.Reader.TryRead(out var e)) n += e is Tick ? 1 : 0;
        return n;
    }

    [Fact]
    public void Rings_once_at_the_time_set_and_not_before()
    {
        using var alarm = new DaemonAlarm(_time, _inbox.Writer);
        var due = _time.GetUtcNow() + TimeSpan.FromMilliseconds(500);

        alarm.Set(due);
        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Equal(0, Ticks());

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, Ticks());
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, Ticks());
        Assert.Equal(due, alarm.Due);
        alarm.Rang();
        Assert.Null(alarm.Due);
    }

    [Fact]
    public void A_later_time_moves_the_alarm_and_none_disarms_it()
    {
        using var alarm = new DaemonAlarm(_time, _inbox.Writer);
        alarm.Set(_time.GetUtcNow() + TimeSpan.FromSeconds(1));
        alarm.Set(_time.GetUtcNow() + TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, Ticks());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, Ticks());

        alarm.Rang();
        alarm.Set(_time.GetUtcNow() + TimeSpan.FromSeconds(1));
        alarm.Set(null);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, Ticks());
        Assert.Null(alarm.Due);
    }

    [Fact]
    public void A_time_that_has_passed_rings_at_once()
    {
        using var alarm = new DaemonAlarm(_time, _inbox.Writer);
        alarm.Set(_time.GetUtcNow() - TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.Zero);
        Assert.Equal(1, Ticks());
    }
}
