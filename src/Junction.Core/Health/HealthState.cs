namespace Junction.Health;

/// <summary>What the health monitor believes about an uplink.</summary>
public enum HealthState
{
    /// <summary>Not yet known (just started): treated as unhealthy until the first good round.</summary>
    Unknown,
    /// <summary>Carries new connections.</summary>
    Up,
    /// <summary>Gets no new connections.</summary>
    Down,
}
