namespace Junction.Linux.Apply;

/// <summary>What a change does to one kernel object.</summary>
public enum ChangeAction
{
    Add,
    Remove,
    Replace,
    Set,
}

/// <summary>The kind of kernel object a change touches, in the order apply changes them.</summary>
public enum ChangeSubject
{
    Nftables,
    Sysctl,
    Route,
    Rule,
}

/// <summary>One change the applier made (or, in a dry run, would make), described for people.</summary>
public sealed record Change(ChangeAction Action, ChangeSubject Subject, string Description)
{
    /// <summary>For a route change, the routing table it writes (so a refused route can be traced to its uplink).</summary>
    public uint? RouteTable { get; init; }

    /// <summary>
    /// For an nftables change that rewrote only some chains and sets of the table (the short
    /// path of a health change), their names ("choose", "set bypass4"); null: the whole table.
    /// </summary>
    public IReadOnlyList<string>? Parts { get; init; }

    public override string ToString() => $"{Word(Action),-7} {Word(Subject),-8} {Description}";

    internal static string Word<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
