namespace Junction.Health;

/// <summary>
/// An uplink's probe timeout that follows its measured round-trip time, the way TCP's
/// retransmission timeout does (RFC 6298): smoothed RTT + <see cref="K"/> × RTT variation,
/// clamped between <see cref="Floor"/> and the configured timeout, so a 2 ms gateway is not
/// given 300 ms. Every failed round in a row doubles it (up to the configured timeout), so an
/// uplink whose RTT jumps (a saturated link's queue) is given time to answer before its
/// rounds fail <c>down-after</c> times in a row; one good round ends the backoff. Before the
/// first answer the configured timeout is used. Pure and thread-safe: rounds are observed
/// on the probes' threads while status reads <see cref="Current"/>.
/// </summary>
public sealed class AdaptiveTimeout(TimeSpan configured)
{
    /// <summary>The least timeout given: scheduling delays of a loaded router stay well below it.</summary>
    public static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(50);

    public const double K = 4, Alpha = 1.0 / 8, Beta = 1.0 / 4;

    private readonly object _gate = new();
    private double? _srtt;    // milliseconds
    private double _rttvar;
    private int _failures;

    /// <summary>The timeout for the next round.</summary>
    public TimeSpan Current
    {
        get
        {
            lock (_gate) return Compute();
        }
    }

    /// <summary>Smoothed RTT so far; null before the first answer.</summary>
    public TimeSpan? Smoothed
    {
        get
        {
            lock (_gate) return _srtt is { } s ? TimeSpan.FromMilliseconds(s) : null;
        }
    }

    /// <summary>Takes a finished round: every answer's RTT is a sample; a failed round backs off.</summary>
    public void Observe(ProbeRound round)
    {
        lock (_gate)
        {
            if (!round.Good)
            {
                _failures = Math.Min(_failures + 1, 16);
                return;
            }
            _failures = 0;
            foreach (var r in round.Results)
                if (r.Answered && r.Rtt is { } rtt) Sample(rtt.TotalMilliseconds);
        }
    }

    private void Sample(double rtt)
    {
        if (_srtt is not { } srtt)
        {
            _srtt = rtt;
            _rttvar = rtt / 2;
            return;
        }
        _rttvar = (1 - Beta) * _rttvar + Beta * Math.Abs(srtt - rtt);
        _srtt = (1 - Alpha) * srtt + Alpha * rtt;
    }

    private TimeSpan Compute()
    {
        if (_srtt is not { } srtt) return configured;
        // The floor first, then the backoff: doubling a 2 ms estimate would stay under the floor.
        var ms = Math.Max(srtt + K * _rttvar, Floor.TotalMilliseconds) * Math.ScaleB(1, _failures);
        return TimeSpan.FromMilliseconds(Math.Min(ms, configured.TotalMilliseconds));
    }
}
