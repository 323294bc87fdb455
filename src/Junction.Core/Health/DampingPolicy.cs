namespace Junction.Health;

/// <summary>
/// Keeps a flapping uplink from causing an apply storm. Going down is never delayed.
/// Coming back is: when an uplink fails again less than <see cref="StableAfter"/> after it
/// recovered from a failure (down → up → down), it is held down for <see cref="FirstHold"/>, and each further quick failure
/// doubles the hold up to <see cref="MaxHold"/>. An uplink that stays up for
/// <see cref="StableAfter"/> is forgiven: its next failure starts without a hold.
/// A link that flaps every second therefore costs about 2 + log2(MaxHold/FirstHold)
/// applies and then one pair per <see cref="MaxHold"/>, instead of one pair a second.
/// </summary>
public sealed record DampingPolicy(TimeSpan FirstHold, TimeSpan MaxHold, TimeSpan StableAfter)
{
    public static readonly DampingPolicy Default = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30));

    /// <summary>No damping at all: recovery needs only the good rounds.</summary>
    public static readonly DampingPolicy None = new(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>The hold after a failure, given the previous hold and how long the uplink had been up.</summary>
    public TimeSpan NextHold(TimeSpan previous, TimeSpan wasUpFor)
    {
        if (wasUpFor >= StableAfter) return TimeSpan.Zero;
        var doubled = previous == TimeSpan.Zero ? FirstHold : previous * 2;
        return doubled > MaxHold ? MaxHold : doubled;
    }
}
