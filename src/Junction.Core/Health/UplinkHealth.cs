using Junction.Model;

namespace Junction.Health;

/// <summary>
/// The health state machine of one uplink. Pure: it is fed probe rounds, link signals
/// and clock ticks, reads time only from the injected <see cref="TimeProvider"/>, and
/// returns a <see cref="HealthTransition"/> whenever its state changes.
/// <list type="bullet">
/// <item>Unknown → Up on the first good round (start-up should not wait a whole
/// <c>up-after</c>); Unknown/Up → Down after <c>down-after</c> bad rounds in a row.</item>
/// <item>Carrier loss or address loss → Down at once, whatever the probes say.</item>
/// <item>Down → Up only with the link ready again, <c>up-after</c> good rounds in a row
/// counted from then, and the damping hold expired.</item>
/// <item>An uplink without probes follows its link state, damping included.</item>
/// </list>
/// </summary>
public sealed class UplinkHealth
{
    private readonly ProbeModel _probe;
    private readonly DampingPolicy _damping;
    private readonly TimeProvider _time;
    private int _goodRun;
    private int _badRun;
    private bool _carrier = true;
    private bool _addressed = true;
    // Only a recovery (Down → Up) starts the clock a quick failure is measured against:
    // failing soon after start-up is not flapping.
    private DateTimeOffset _recoveredAt = DateTimeOffset.MinValue;

    public UplinkHealth(string name, ProbeModel probe, DampingPolicy damping, TimeProvider time)
    {
        Name = name;
        _probe = probe;
        _damping = damping;
        _time = time;
        Since = time.GetUtcNow();
        HeldUntil = Since;
    }

    public string Name { get; }

    public HealthState State { get; private set; } = HealthState.Unknown;

    /// <summary>Why the uplink is in its state.</summary>
    public string Reason { get; private set; } = "starting";

    public DateTimeOffset Since { get; private set; }

    /// <summary>The current damping hold; zero when the uplink has not flapped lately.</summary>
    public TimeSpan Hold { get; private set; }

    /// <summary>A downed uplink may not come back before this time.</summary>
    public DateTimeOffset HeldUntil { get; private set; }

    /// <summary>The last round, for status output.</summary>
    public ProbeRound? LastRound { get; private set; }

    public bool Healthy => State == HealthState.Up;

    private bool LinkReady => _carrier && _addressed;

    /// <param name="waiveHold">true when no other uplink is up: a flapping link beats none.</param>
    public HealthTransition? OnRound(ProbeRound round, bool waiveHold = false)
    {
        LastRound = round;
        // Rounds in flight when the carrier went away say nothing about the link as it is now.
        if (!LinkReady) return null;

        if (round.Good)
        {
            _goodRun++;
            _badRun = 0;
            if (State == HealthState.Unknown)
                return Move(HealthState.Up, round.Answers);
            if (State == HealthState.Down && _goodRun >= _probe.UpAfter && HoldOver(waiveHold))
                return Move(HealthState.Up, $"{_goodRun} good rounds in a row{Waived(waiveHold)}: {round}");
            return null;
        }

        _badRun++;
        _goodRun = 0;
        return State != HealthState.Down && _badRun >= _probe.DownAfter
            ? Move(HealthState.Down, $"{_badRun} failed rounds in a row: {round}")
            : null;
    }

    public HealthTransition? OnLink(LinkSignal signal, bool waiveHold = false)
    {
        switch (signal)
        {
            case LinkSignal.CarrierDown:
                _carrier = false;
                return LinkLost("carrier lost");
            case LinkSignal.AddressLost:
                _addressed = false;
                return LinkLost("address removed");
            case LinkSignal.CarrierUp:
                _carrier = true;
                return LinkBack(waiveHold);
            case LinkSignal.AddressRestored:
                _addressed = true;
                return LinkBack(waiveHold);
            default:
                throw new ArgumentOutOfRangeException(nameof(signal), signal, null);
        }
    }

    /// <summary>
    /// Passive health found it dead and a probe burst confirmed it: down at once, like a
    /// carrier loss, and back only by <c>up-after</c> good rounds.
    /// </summary>
    public HealthTransition? OnConfirmedDead(string reason)
    {
        _goodRun = 0;
        _badRun = 0;
        return State == HealthState.Down ? null : Move(HealthState.Down, reason);
    }

    /// <summary>
    /// Lets an uplink without probes come back once its hold expires; uplinks with probes
    /// re-check on every round and need no ticks.
    /// </summary>
    public HealthTransition? Tick(bool waiveHold = false) =>
        !_probe.Enabled && State != HealthState.Up && LinkReady && HoldOver(waiveHold)
            ? Move(HealthState.Up, $"link ready, no probes configured{Waived(waiveHold)}")
            : null;

    /// <summary>
    /// When <see cref="Tick"/> may next change something: the end of the hold of an uplink
    /// without probes that waits for it to come back; null when no tick can (probed uplinks
    /// move on rounds, a link that is not ready on its signal). The loop sleeps until then.
    /// </summary>
    public DateTimeOffset? NextTick =>
        !_probe.Enabled && State != HealthState.Up && LinkReady ? HeldUntil : null;

    private HealthTransition? LinkLost(string reason)
    {
        _goodRun = 0;
        _badRun = 0;
        return State == HealthState.Down ? null : Move(HealthState.Down, reason);
    }

    // With probes, a link that is back still has to prove itself with up-after rounds.
    private HealthTransition? LinkBack(bool waiveHold)
    {
        _goodRun = 0;
        _badRun = 0;
        return Tick(waiveHold);
    }

    private bool HoldOver(bool waived) => waived || _time.GetUtcNow() >= HeldUntil;

    private static string Waived(bool waived) => waived ? " (hold waived: no other uplink is up)" : "";

    private HealthTransition Move(HealthState to, string reason)
    {
        var now = _time.GetUtcNow();
        if (to == HealthState.Down && State == HealthState.Up)
        {
            Hold = _damping.NextHold(Hold, _recoveredAt == DateTimeOffset.MinValue ? TimeSpan.MaxValue : now - _recoveredAt);
            HeldUntil = now + Hold;
        }
        if (to == HealthState.Up && State == HealthState.Down) _recoveredAt = now;
        var transition = new HealthTransition(Name, State, to, Hold > TimeSpan.Zero && to == HealthState.Down
            ? $"{reason}; held down for {Hold.TotalSeconds:0.#} s (flapping)"
            : reason, now);
        State = to;
        Reason = transition.Reason;
        Since = now;
        return transition;
    }
}
