namespace Junction.Status;

/// <summary>
/// What the kernel holds now, read when a report is asked for (never cached): the raw
/// new-connection counter of each uplink's mark chain, conntrack entries grouped by
/// Junction's mark bits and by the source address the far end sees, and interface bytes.
/// <see cref="Errors"/> names what could not be read; the rest is still reported.
/// </summary>
public sealed record KernelFigures(
    IReadOnlyDictionary<string, long> NewConnectionCounters,
    IReadOnlyList<MarkCount> Connections,
    IReadOnlyDictionary<string, InterfaceBytes> Interfaces,
    IReadOnlyList<string> Errors,
    /// <summary>How <see cref="Connections"/> was had; null where nothing says (a CLI without a daemon, a fake kernel).</summary>
    ConnectionCounting? Counting = null)
{
    public static readonly KernelFigures None = new(new Dictionary<string, long>(), [], new Dictionary<string, InterfaceBytes>(), []);
}

/// <summary>Conntrack entries whose mark, masked to Junction's bits, is <see cref="Mark"/> and whose replies go to <see cref="SeenSource"/>.</summary>
public sealed record MarkCount(uint Mark, string SeenSource, long Count);

/// <summary>
/// Where the live connection counts came from: kept in the daemon from conntrack's events
/// (a resync now and then sets them afresh from a dump; an overrun is the kernel dropping
/// events because the daemon's socket buffer was full, each followed by a resync), or
/// dumped from the conntrack table for this one read (before the keeper's first dump, after
/// a change of mark-mask until its resync, or with net.netfilter.nf_conntrack_events = 0).
/// </summary>
public sealed record ConnectionCounting(
    bool FromEvents,
    /// <summary>Resyncs the daemon's keeper completed, its first dump included; 0 without a keeper.</summary>
    long Resyncs,
    /// <summary>Times the kernel dropped conntrack events meant for the keeper.</summary>
    long Overruns,
    /// <summary>Why the keeper's last resync failed; null when it did not, or without a keeper.</summary>
    string? LastError);

/// <summary>An interface's byte counters since it was created.</summary>
public sealed record InterfaceBytes(long Receive, long Transmit);
