using Junction.Explain;
using Junction.Model;
using Junction.Status;

namespace Junction.Linux.Conntrack;

/// <summary>The kernel's connection tracking table, as Junction reads and prunes it.</summary>
public interface IConntrack
{
    /// <summary>
    /// Live connections (both families) whose mark, masked, is not zero, counted per masked
    /// mark and per address the far end saw (the reply tuple's destination: the SNAT address).
    /// </summary>
    IReadOnlyList<MarkCount> CountByMark(uint mask);

    /// <summary>Live connections whose mark masked with <paramref name="mask"/> is <paramref name="mark"/>.</summary>
    long Count(uint mark, uint mask, Families families);

    /// <summary>Deletes the connections whose mark masked with <paramref name="mask"/> is <paramref name="mark"/>; returns how many there were.</summary>
    int Delete(uint mark, uint mask, Families families);

    /// <summary>Entries of one connection as a person wrote it (its original direction).</summary>
    IReadOnlyList<TrackedConnection> Find(ConnectionQuery query);
}
