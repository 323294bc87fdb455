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

/// <summary>The <c>failback:</c> words, defined once.</summary>
public static class FailbackWords
{
    public const string NewOnly = "new-only";
    public const string Move = "move";

    public static readonly string[] All = [NewOnly, Move];

    public static string Word(FailbackMode mode) => mode == FailbackMode.Move ? Move : NewOnly;

    public static FailbackMode? Parse(string word) => word switch
    {
        NewOnly => FailbackMode.NewOnly,
        Move => FailbackMode.Move,
        _ => null,
    };
}
