using System.Buffers.Binary;
using Junction.Linux.Netlink;

namespace Junction.Kernel.Tests.Netlink;

/// <summary>
/// Walking the messages of netlink datagrams built by hand (no kernel needed; it lives here
/// because the walker is internal to Junction.Linux, whose internals only this project sees).
/// </summary>
public sealed class NetlinkMessagesTests
{
    private static byte[] Message(ushort type, ushort flags, uint sequence, byte[] payload, bool padded = true)
    {
        var length = 16 + payload.Length;
        var m = new byte[padded ? (length + 3) & ~3 : length];
        BinaryPrimitives.WriteUInt32LittleEndian(m, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(8), sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(12), 4242);
        payload.CopyTo(m, 16);
        return m;
    }

    private static List<(ushort Type, ushort Flags, uint Sequence, byte[] Payload)> Walk(ReadOnlySpan<byte> datagram)
    {
        var seen = new List<(ushort, ushort, uint, byte[])>();
        foreach (var m in new NetlinkMessages(datagram)) seen.Add((m.Type, m.Flags, m.Sequence, m.Payload.ToArray()));
        return seen;
    }

    [Fact]
    public void Every_message_of_a_datagram_is_read_in_order_with_its_header_fields()
    {
        byte[] datagram = [.. Message(16, 0x2, 7, [1, 2, 3, 4]), .. Message(20, 0x600, 8, []), .. Message(3, 0x2, 9, [0, 0, 0, 0])];

        var seen = Walk(datagram);

        Assert.Equal(3, seen.Count);
        Assert.Equal((ushort)16, seen[0].Type);
        Assert.Equal((ushort)0x2, seen[0].Flags);
        Assert.Equal(7u, seen[0].Sequence);
        Assert.Equal([1, 2, 3, 4], seen[0].Payload);
        Assert.Equal(((ushort)20, (ushort)0x600, 8u), (seen[1].Type, seen[1].Flags, seen[1].Sequence));
        Assert.Empty(seen[1].Payload);
        Assert.Equal(((ushort)3, 9u), (seen[2].Type, seen[2].Sequence));
    }

    [Fact]
    public void Padding_between_messages_is_skipped_and_not_part_of_the_payload()
    {
        // 16 + 5 = 21 bytes, padded to 24: the next header starts at 24, not 21.
        var first = Message(16, 0, 1, [9, 9, 9, 9, 9]);
        Assert.Equal(24, first.Length);
        first[21] = first[22] = first[23] = 0xee;
        byte[] datagram = [.. first, .. Message(17, 0, 2, [5, 6, 7], padded: false)];

        var seen = Walk(datagram);

        Assert.Equal(2, seen.Count);
        Assert.Equal([9, 9, 9, 9, 9], seen[0].Payload);
        Assert.Equal(((ushort)17, 2u), (seen[1].Type, seen[1].Sequence));
        // The last message may end without its padding: it is read all the same.
        Assert.Equal([5, 6, 7], seen[1].Payload);
    }

    [Fact]
    public void A_truncated_last_message_ends_the_walk_after_the_whole_ones()
    {
        var whole = Message(16, 0, 1, [1, 2, 3, 4]);
        var cut = Message(16, 0, 2, new byte[40]);
        byte[] datagram = [.. whole, .. cut.AsSpan(0, 30)];

        var seen = Walk(datagram);

        Assert.Equal(1u, Assert.Single(seen).Sequence);
    }

    [Fact]
    public void A_trailing_part_shorter_than_a_header_ends_the_walk()
    {
        byte[] datagram = [.. Message(16, 0, 1, []), .. new byte[] { 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 }];

        Assert.Equal(1u, Assert.Single(Walk(datagram)).Sequence);
        Assert.Empty(Walk([]));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(8u)]
    [InlineData(15u)]
    [InlineData(0xffffffffu)]
    public void A_length_smaller_than_the_header_or_beyond_any_datagram_ends_the_walk(uint length)
    {
        var bad = Message(16, 0, 2, new byte[8]);
        BinaryPrimitives.WriteUInt32LittleEndian(bad, length);
        byte[] datagram = [.. Message(16, 0, 1, []), .. bad, .. Message(16, 0, 3, [])];

        Assert.Equal(1u, Assert.Single(Walk(datagram)).Sequence);
    }

    [Fact]
    public void What_the_writer_builds_the_walker_reads_back()
    {
        var writer = new NetlinkMessageWriter();
        writer.Begin(0x102, 0x305, 77);
        writer.U32(1, 0xdeadbeef);
        writer.End();
        writer.Begin(0x103, 0x1, 78);
        writer.Fixed(3)[0] = 42;
        writer.End();

        var seen = Walk(writer.Written);

        Assert.Equal(2, seen.Count);
        Assert.Equal(((ushort)0x102, (ushort)0x305, 77u), (seen[0].Type, seen[0].Flags, seen[0].Sequence));
        Assert.Equal(0xdeadbeefu, BinaryPrimitives.ReadUInt32LittleEndian(NetlinkAttributes.Find(seen[0].Payload, 1)));
        Assert.Equal(((ushort)0x103, (ushort)0x1, 78u), (seen[1].Type, seen[1].Flags, seen[1].Sequence));
        Assert.Equal([42, 0, 0, 0], seen[1].Payload);
    }

    [Fact]
    public void A_walk_allocates_nothing()
    {
        var datagram = Enumerable.Range(0, 100).SelectMany(i => Message(16, 0, (uint)i, new byte[i % 7])).ToArray();
        var expected = Enumerable.Range(0, 100).Sum(i => (long)i + i % 7);
        Assert.Equal(expected, Sum(datagram));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = Sum(datagram);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(expected, sum);
        Assert.Equal(0L, allocated);
    }

    private static long Sum(ReadOnlySpan<byte> datagram)
    {
        var sum = 0L;
        foreach (var m in new NetlinkMessages(datagram)) sum += m.Sequence + m.Payload.Length;
        return sum;
    }
}
