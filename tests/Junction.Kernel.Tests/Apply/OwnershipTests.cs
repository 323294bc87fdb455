using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;

namespace Junction.Kernel.Tests.Apply;

/// <summary>The ownership record without a kernel: what a plan owns, and how the record is written and read.</summary>
public sealed class OwnershipTests
{
    [Fact]
    public void A_plan_owns_only_the_tables_and_priorities_of_its_uplinks()
    {
        var owner = Ownership.For(Configs.Plan(Configs.ThreeUplinks));

        Assert.Equal("1000-1002", owner.Tables.ToString());
        Assert.Equal("1000-1003", owner.Priorities.ToString());
        Assert.False(owner.OwnsTable(1003));
        Assert.False(owner.OwnsPriority(1004));
    }

    [Fact]
    public void Sparse_ids_own_from_the_lowest_to_the_highest()
    {
        var owner = Ownership.For(Configs.Plan("table-base: 100\n" + Configs.TwoUplinks.Replace("weight: 2 }", "weight: 2, id: 5 }")));

        Assert.Equal("100-104", owner.Tables.ToString());
        Assert.Equal("1000-1005", owner.Priorities.ToString());
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(253u)]
    [InlineData(254u)]
    [InlineData(255u)]
    public void No_record_owns_a_table_of_the_kernel(uint table)
    {
        var forged = Ownership.Parse("junction: mark-mask=0x00ff0000 tables=0-400 priorities=0-40000 plan=0123456789abcdef")!;

        Assert.False(forged.OwnsTable(table));
        Assert.True(forged.OwnsTable(252));
        Assert.False(forged.OwnsPriority(0));
        Assert.False(forged.OwnsPriority(32766));
        Assert.False(forged.OwnsPriority(32767));
        Assert.True(forged.OwnsPriority(32765));
    }

    [Fact]
    public void A_widened_record_is_written_and_read_back_as_it_was()
    {
        var owner = Ownership.For(Configs.Plan(Configs.TwoUplinks));
        var wide = owner.Widened([3000, 3001, 1000], [2000, 2001, 2002]);

        Assert.Equal("1000-1001,3000-3001", wide.Tables.ToString());
        Assert.Equal("1000-1002,2000-2002", wide.Priorities.ToString());
        Assert.Equal(wide, Ownership.Parse(wide.Comment));
        Assert.NotEqual(owner, wide);
        Assert.Equal(owner, owner.Widened([1001], [1002]));
    }

    [Fact]
    public void A_record_too_long_for_nftables_keeps_covering_everything_as_one_range_each()
    {
        var owner = Ownership.For(Configs.Plan(Configs.TwoUplinks));
        var scattered = Enumerable.Range(0, 60).Select(i => (uint)(5000 + 3 * i)).ToList();

        var wide = owner.Widened(scattered, []);

        Assert.True(System.Text.Encoding.UTF8.GetByteCount(wide.Comment) <= 255);
        Assert.Equal("1000-5177", wide.Tables.ToString());
        Assert.All(scattered, t => Assert.True(wide.OwnsTable(t)));
    }

    [Fact]
    public void A_record_an_older_junction_wrote_is_read()
    {
        var old = Ownership.Parse("junction: mark-mask=0x00ff0000 tables=1000-1254 priorities=1000-1255 plan=0123456789abcdef");

        Assert.NotNull(old);
        Assert.True(old.OwnsTable(1254));
        Assert.Null(Ownership.Parse("junction: mark-mask=0x00ff0000 tables=9-1 priorities=1-2 plan=ab"));
        Assert.Null(Ownership.Parse("something else"));
    }
}
