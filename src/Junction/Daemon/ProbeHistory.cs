using Junction.Health;

namespace Junction.Cli.Daemon;

/// <summary>An uplink's recent probe rounds, for status: loss over the last rounds and the last RTT.</summary>
internal sealed class ProbeHistory
{
    public const int Rounds = 10;
    private readonly Queue<(int Sent, int Answered)> _recent = new();

    public TimeSpan? LastRtt { get; private set; }

    public void Add(ProbeRound round)
    {
        _recent.Enqueue((round.Decided, round.Answered));
        while (_recent.Count > Rounds) _recent.Dequeue();
        if (round.Results.LastOrDefault(r => r.Answered) is { Rtt: { } rtt }) LastRtt = rtt;
    }

    /// <summary>Share of probes lost over the recent rounds, 0..1; null before the first probe.</summary>
    public double? Loss
    {
        get
        {
            var sent = _recent.Sum(r => r.Sent);
            return sent == 0 ? null : 1 - _recent.Sum(r => r.Answered) / (double)sent;
        }
    }
}
