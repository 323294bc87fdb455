namespace Junction.Model;

/// <summary>
/// What happens to connections on a worse tier when a better tier is healthy again. New
/// connections always go back to the best healthy tier at once; this decides the old ones.
/// </summary>
public enum FailbackMode
{
    /// <summary>Connections on the reserve link stay until they end (the default).</summary>
    NewOnly,
    /// <summary>
    /// Once the better tier has been healthy for the hold time, the conntrack entries of
    /// worse tiers are deleted by mark, so long-lived connections leave the reserve link.
    /// </summary>
    Move,
}
