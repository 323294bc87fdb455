namespace Junction.Balancing.Tests;

public sealed class ConsistentSlotTableTests
{
    private static string[] Names(int n) => Enumerable.Range(1, n).Select(i => $"isp{i}").ToArray();

    private static bool[] AllUp(int n) => Enumerable.Repeat(true, n).ToArray();

    [Theory]
    [InlineData(new[] { 1, 1 })]
    [InlineData(new[] { 1, 2, 3 })]
    [InlineData(new[] { 1, 1, 1, 1, 1, 1, 1, 1 })]
    [InlineData(new[] { 5, 1, 10 })]
    public void Shares_match_the_weights_exactly(int[] weights)
    {
        var size = ConsistentSlotTable.SizeFor(weights);
        Assert.Equal(0, size % weights.Sum());
        var table = ConsistentSlotTable.Build(Names(weights.Length), weights, AllUp(weights.Length), size);
        for (var i = 0; i < weights.Length; i++)
            Assert.Equal(size / weights.Sum() * weights[i], table.Count(s => s == i));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    public void Removing_one_uplink_moves_only_its_slots(int n)
    {
        var weights = Enumerable.Repeat(1, n).ToArray();
        var size = ConsistentSlotTable.SizeFor(weights);
        var full = ConsistentSlotTable.Build(Names(n), weights, AllUp(n), size);
        for (var down = 0; down < n; down++)
        {
            var up = AllUp(n);
            up[down] = false;
            var degraded = ConsistentSlotTable.Build(Names(n), weights, up, size);
            for (var s = 0; s < size; s++)
            {
                if (full[s] != down) Assert.Equal(full[s], degraded[s]);
                else Assert.NotEqual(down, degraded[s]);
            }
            // The freed slots are spread evenly over the survivors.
            var counts = Enumerable.Range(0, n).Where(i => i != down).Select(i => degraded.Count(s => s == i)).ToList();
            Assert.True(counts.Max() - counts.Min() <= 1, string.Join(",", counts));
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(8)]
    public void Adding_it_back_moves_about_one_nth(int n)
    {
        var weights = Enumerable.Repeat(1, n).ToArray();
        var size = ConsistentSlotTable.SizeFor(weights);
        var up = AllUp(n);
        up[n - 1] = false;
        var degraded = ConsistentSlotTable.Build(Names(n), weights, up, size);
        var restored = ConsistentSlotTable.Build(Names(n), weights, AllUp(n), size);
        var moved = Enumerable.Range(0, size).Count(s => degraded[s] != restored[s]);
        Assert.Equal(size / n, moved);
        Assert.All(Enumerable.Range(0, size).Where(s => degraded[s] != restored[s]), s => Assert.Equal(n - 1, restored[s]));
    }

    [Fact]
    public void Two_down_then_one_back_moves_no_client_of_an_uplink_that_stayed_up()
    {
        var weights = new[] { 1, 2, 3, 1 };
        var size = ConsistentSlotTable.SizeFor(weights);
        var full = ConsistentSlotTable.Build(Names(4), weights, AllUp(4), size);
        var twoDown = ConsistentSlotTable.Build(Names(4), weights, [true, false, true, false], size);
        var oneDown = ConsistentSlotTable.Build(Names(4), weights, [true, true, true, false], size);
        for (var s = 0; s < size; s++)
            if (full[s] is 0 or 2)
            {
                Assert.Equal(full[s], twoDown[s]);
                Assert.Equal(full[s], oneDown[s]);
            }
        // The returning uplink gets its own slots back.
        Assert.All(Enumerable.Range(0, size).Where(s => full[s] == 1), s => Assert.Equal(1, oneDown[s]));
    }

    [Fact]
    public void The_layout_is_deterministic_and_depends_on_names_not_order_of_calls()
    {
        var a = ConsistentSlotTable.Build(Names(3), [1, 1, 1], AllUp(3), 255);
        var b = ConsistentSlotTable.Build(Names(3), [1, 1, 1], AllUp(3), 255);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Slots_are_interleaved_not_in_blocks()
    {
        var table = ConsistentSlotTable.Build(Names(2), [1, 1], AllUp(2), 256);
        var longestRun = 0;
        for (int s = 0, run = 0; s < table.Length; s++)
        {
            run = s > 0 && table[s] == table[s - 1] ? run + 1 : 1;
            longestRun = Math.Max(longestRun, run);
        }
        Assert.True(longestRun < 32, $"longest run of one owner: {longestRun}");
    }

    [Fact]
    public void All_down_owns_nothing()
    {
        var table = ConsistentSlotTable.Build(Names(2), [1, 1], [false, false], 256);
        Assert.All(table, s => Assert.Equal(-1, s));
    }

    [Fact]
    public void Large_weight_sums_are_capped_and_still_fill_every_slot()
    {
        var weights = new[] { 1000, 999, 997, 13, 1000, 500 };
        var size = ConsistentSlotTable.SizeFor(weights);
        Assert.Equal(ConsistentSlotTable.MaxSize, size);
        var table = ConsistentSlotTable.Build(Names(6), weights, [true, true, false, true, true, true], size);
        Assert.DoesNotContain(-1, table);
        Assert.DoesNotContain(2, table);
    }
}
