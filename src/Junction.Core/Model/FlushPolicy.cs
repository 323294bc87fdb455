namespace Junction.Model;

/// <summary>
/// What happens to the established connections of an uplink that goes down. Only new
/// connections are ever re-balanced; this decides whether the old ones are left to time
/// out on the dead link or have their conntrack entries deleted (by mark, never the whole
/// table), so that their next packet is treated as new and their programs notice at once.
/// </summary>
public enum FlushPolicy
{
    /// <summary>Delete the conntrack entries carrying the dead uplink's mark (the default).</summary>
    Dead,
    /// <summary>Leave every conntrack entry alone.</summary>
    None,
}
