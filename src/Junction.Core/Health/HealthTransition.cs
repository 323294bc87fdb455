namespace Junction.Health;

/// <summary>One change of an uplink's state, with why and when: logs and status show these.</summary>
public sealed record HealthTransition(string Uplink, HealthState From, HealthState To, string Reason, DateTimeOffset At)
{
    public override string ToString() => $"{At:HH:mm:ss.fff} {Uplink}: {From} -> {To} ({Reason})";
}
