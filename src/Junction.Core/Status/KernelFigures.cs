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
    IReadOnlyList<string> Errors)
{
    public static readonly KernelFigures None = new(new Dictionary<string, long>(), [], new Dictionary<string, InterfaceBytes>(), []);
}

/// <summary>Conntrack entries whose mark, masked to Junction's bits, is <see cref="Mark"/> and whose replies go to <see cref="SeenSource"/>.</summary>
public sealed record MarkCount(uint Mark, string SeenSource, long Count);

/// <summary>An interface's byte counters since it was created.</summary>
public sealed record InterfaceBytes(long Receive, long Transmit);
