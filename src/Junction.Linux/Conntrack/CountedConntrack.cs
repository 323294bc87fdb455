using Junction.Explain;
using Junction.Model;
using Junction.Status;

namespace Junction.Linux.Conntrack;

/// <summary>
/// Conntrack as status reads it: the counts per mark and SNAT address from the
/// <see cref="ConntrackCountKeeper"/> running in the namespace when there is one (seeded, same
/// mask), so a request never dumps the table; otherwise, and for everything else, the kernel.
/// </summary>
public sealed class CountedConntrack(IConntrack kernel, string? netns) : IConntrack
{
    public IReadOnlyList<MarkCount> CountByMark(uint mask) => CountByMark(mask, out _);

    /// <summary>The counts, and whether the keeper gave them or the kernel was dumped for them.</summary>
    public IReadOnlyList<MarkCount> CountByMark(uint mask, out ConnectionCounting counting)
    {
        var keeper = ConntrackCountKeeper.Find(netns);
        var kept = keeper?.TryCount(mask);
        counting = keeper is null
            ? new ConnectionCounting(false, 0, 0, null)
            : new ConnectionCounting(kept is not null, keeper.Resyncs, keeper.Overruns, keeper.LastError);
        return kept ?? kernel.CountByMark(mask);
    }

    public long Count(uint mark, uint mask, Families families) => kernel.Count(mark, mask, families);

    public int Delete(uint mark, uint mask, Families families) => kernel.Delete(mark, mask, families);

    public IReadOnlyList<TrackedConnection> Find(ConnectionQuery query) => kernel.Find(query);
}
