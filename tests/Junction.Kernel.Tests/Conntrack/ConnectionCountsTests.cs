using Junction.Linux.Conntrack;

namespace Junction.Kernel.Tests.Conntrack;

/// <summary>How events and a resync's dump are merged (pure: no kernel).</summary>
public sealed class ConnectionCountsTests
{
    private static readonly ConntrackGroupKey A = ConntrackGroupKey.Of(0x10000, [10, 11, 0, 2]), B = ConntrackGroupKey.Of(0x20000, [10, 12, 0, 2]);

    private static long Of(ConnectionCounts counts, ConntrackGroupKey key) =>
        counts.Snapshot().Where(c => c.Mark == key.Mark && c.SeenSource == key.Address.ToString()).Sum(c => c.Count);

    [Fact]
    public void An_entry_created_during_the_dump_and_dumped_too_is_counted_once()
    {
        var counts = new ConnectionCounts();
        counts.BeginResync();
        counts.Dumped(1, A);
        counts.Created(7, A);   // its NEW event, read before the part of the dump that holds it
        counts.Dumped(7, A);
        counts.Dumped(2, B);
        counts.EndResync();

        Assert.True(counts.Seeded);
        Assert.Equal(2, Of(counts, A));
        Assert.Equal(1, Of(counts, B));
    }

    [Fact]
    public void A_resync_says_whether_it_had_to_correct_what_the_events_kept()
    {
        var counts = new ConnectionCounts();
        // The seed of an empty table, events during it: nothing to correct.
        counts.BeginResync();
        counts.Created(5, A);
        Assert.False(counts.EndResync());

        // An entry older than the subscription (no NEW event) is found by the dump.
        counts.BeginResync();
        counts.Dumped(5, A);
        counts.Dumped(6, B);
        Assert.True(counts.EndResync());

        // Every entry was told of by events: the same counts.
        counts.Created(8, B);
        counts.BeginResync();
        counts.Dumped(5, A);
        counts.Dumped(6, B);
        counts.Dumped(8, B);
        Assert.False(counts.EndResync());

        // B's older entry ended without a DESTROY event (it never had events): corrected.
        counts.BeginResync();
        counts.Dumped(5, A);
        counts.Dumped(8, B);
        Assert.True(counts.EndResync());
        Assert.Equal(1, Of(counts, B));
    }

    [Fact]
    public void Events_after_the_dump_move_the_counts_and_never_below_zero()
    {
        var counts = new ConnectionCounts();
        counts.BeginResync();
        counts.Dumped(1, A);
        counts.EndResync();

        counts.Created(3, B);
        counts.Destroyed(A);
        counts.Destroyed(A);

        Assert.Equal(0, Of(counts, A));
        Assert.Equal(1, Of(counts, B));
        Assert.DoesNotContain(counts.Snapshot(), c => c.Count <= 0);
    }

    [Fact]
    public void A_resync_replaces_what_the_events_said_and_a_failed_one_keeps_it()
    {
        var counts = new ConnectionCounts();
        counts.Created(1, A);
        counts.Created(2, A);
        counts.BeginResync();
        counts.AbortResync();
        Assert.Equal(2, Of(counts, A));

        counts.BeginResync();
        counts.Dumped(1, A);
        counts.Destroyed(A);    // an entry the dump had already counted ends meanwhile
        counts.EndResync();

        Assert.Equal(0, Of(counts, A));
    }
}
