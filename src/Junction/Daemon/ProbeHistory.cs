using Junction.Health;

namespace Junction.Cli.Daemon;

/// <summary>
/// An uplink's recent probe rounds, for status: loss over the last rounds and the last RTT.
/// Thread-safe: the probe engine's thread adds every round (most never reach the loop),
/// status and metrics read it when asked. Adding allocates nothing once the window is full.
/// </summary>
internal sealed class ProbeHistory
{
    public const int Rounds = 10;
    private readonly Lock _lock = new();
    private readonly (int Sent, int Answered)[] _recent = new (int, int)[Rounds];
    private int _count, _next;
    private TimeSpan? _lastRtt;

    public TimeSpan? LastRtt
    {
        get { lock (_lock) return _lastRtt; }
    }

    public void Add(ProbeRound round)
    {
        TimeSpan? rtt = null;
        var results = round.Results;
        for (var i = results.Count - 1; i >= 0 && rtt is null; i--)
            if (results[i].Answered) rtt = results[i].Rtt;
        var decided = round.Decided;
        var answered = round.Answered;
        lock (_lock)
        {
            _recent[_next] = (decided, answered);
            _next = (_next + 1) % Rounds;
            if (_count < Rounds) _count++;
            if (rtt is not null) _lastRtt = rtt;
        }
    }

    /// <summary>Share of probes lost over the recent rounds, 0..1; null before the first probe.</summary>
    public double? Loss
    {
        get
        {
            int sent = 0, answered = 0;
            lock (_lock)
                for (var i = 0; i < _count; i++)
                {
                    sent += _recent[i].Sent;
                    answered += _recent[i].Answered;
                }
            return sent == 0 ? null : 1 - answered / (double)sent;
        }
    }
}
