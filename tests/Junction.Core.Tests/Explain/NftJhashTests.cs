using System.Net;

namespace Junction.Explain.Tests;

/// <summary>
/// The kernel's jhash, checked here against values worked out by hand from lookup3 and,
/// in the kernel tests (ExplainKernelTests), against the marks real connections get.
/// </summary>
public sealed class NftJhashTests
{
    [Fact]
    public void An_empty_key_returns_the_initial_state() =>
        // a = b = c = 0xdeadbeef + 0 + seed; nothing is mixed.
        Assert.Equal(0xdeadbeefu + 5, NftJhash.Hash([], 5));

    [Fact]
    public void Scaling_maps_the_hash_range_onto_the_slots_in_order()
    {
        Assert.Equal(0, NftJhash.Scale(0, 7));
        Assert.Equal(6, NftJhash.Scale(uint.MaxValue, 7));
        Assert.Equal(3, NftJhash.Scale(0x80000000, 6));
    }

    [Fact]
    public void A_key_of_twelve_bytes_is_one_tail_and_thirteen_one_block_and_a_tail()
    {
        // Different code paths must still each depend on every byte.
        var twelve = Enumerable.Range(1, 12).Select(i => (byte)i).ToArray();
        var thirteen = Enumerable.Range(1, 13).Select(i => (byte)i).ToArray();
        for (var i = 0; i < 12; i++)
        {
            var changed = (byte[])twelve.Clone();
            changed[i] ^= 0x80;
            Assert.NotEqual(NftJhash.Hash(twelve, 0), NftJhash.Hash(changed, 0));
        }
        Assert.NotEqual(NftJhash.Hash(thirteen, 0), NftJhash.Hash(thirteen[..12], 0));
    }

    [Fact]
    public void Slots_spread_sources_over_every_slot()
    {
        var counts = new int[6];
        for (var i = 0; i < 6000; i++)
            counts[NftJhash.Slot([new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i])], 6, 0x4a6e6374)]++;
        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
    }
}
