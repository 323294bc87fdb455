namespace Junction.Balancing.Tests;

public sealed class SmoothWeightedRoundRobinTests
{
    [Fact]
    public void Equal_weights_alternate()
    {
        Assert.Equal([0, 1], SmoothWeightedRoundRobin.Slots([1, 1]));
        Assert.Equal([0, 1, 2], SmoothWeightedRoundRobin.Slots([5, 5, 5]));
    }

    [Theory]
    [InlineData(new[] { 1, 2, 3 })]
    [InlineData(new[] { 1, 1, 2 })]
    [InlineData(new[] { 7, 3 })]
    [InlineData(new[] { 1000, 1, 999 })]
    [InlineData(new[] { 2, 4, 6, 8 })]
    public void Each_member_gets_exactly_its_share_of_a_cycle(int[] weights)
    {
        var slots = SmoothWeightedRoundRobin.Slots(weights);
        var gcd = weights.Aggregate(SmoothWeightedRoundRobin.Gcd);
        Assert.Equal(weights.Sum() / gcd, slots.Length);
        for (var i = 0; i < weights.Length; i++)
            Assert.Equal(weights[i] / gcd, slots.Count(s => s == i));
    }

    [Fact]
    public void Weights_one_two_three_are_interleaved_not_blocks()
    {
        var slots = SmoothWeightedRoundRobin.Slots([1, 2, 3]);
        Assert.Equal([2, 1, 0, 2, 1, 2], slots);
    }

    [Theory]
    [InlineData(new[] { 1, 2, 3 })]
    [InlineData(new[] { 1, 9 })]
    [InlineData(new[] { 3, 5, 7, 11 })]
    public void Every_prefix_stays_within_one_slot_of_the_ideal(int[] weights)
    {
        // Smoothness: after any number of slots, no member is more than one
        // connection ahead of or behind its exact weighted share.
        var slots = SmoothWeightedRoundRobin.Slots(weights);
        var total = (double)weights.Sum();
        var seen = new int[weights.Length];
        for (var n = 1; n <= slots.Length; n++)
        {
            seen[slots[n - 1]]++;
            for (var i = 0; i < weights.Length; i++)
                Assert.InRange(seen[i] - n * weights[i] / total, -1.0, 1.0);
        }
    }

    [Fact]
    public void No_members_no_slots() => Assert.Empty(SmoothWeightedRoundRobin.Slots([]));

    [Fact]
    public void Zero_weight_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SmoothWeightedRoundRobin.Slots([1, 0]));
}
