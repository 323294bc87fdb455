using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Junction.Linux.Interop;
using Junction.Linux.Netlink;

// The walk over a netlink datagram's messages: the loop every reader had inline (before)
// beside the shared NetlinkMessages enumerator (after), in one process, rounds alternating.
// Two shapes: an event datagram (one conntrack message, as the event readers get them) and
// a dump datagram (as many conntrack messages as fill 32 KiB). No kernel needed.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
const int MessageLength = 212; // a TCP conntrack event with mark, id, status, timeout: 16 + 196
var rounds = args.Contains("--quick") ? 3 : 9;

foreach (var (shape, count) in new[] { ("event datagram, 1 message", 1), ("dump datagram, 154 messages", 32 * 1024 / MessageLength) })
{
    var datagram = Datagram(count);
    var iterations = 50_000_000 / count;
    var expected = Before(datagram);
    if (After(datagram) != expected) throw new InvalidOperationException("the walks disagree");
    var before = new List<double>();
    var after = new List<double>();
    long allocatedBefore = 0, allocatedAfter = 0;
    for (var round = 0; round < rounds; round++)
    {
        before.Add(Time(shared: false, datagram, iterations, count, ref allocatedBefore));
        after.Add(Time(shared: true, datagram, iterations, count, ref allocatedAfter));
    }
    before.Sort();
    after.Sort();
    Console.WriteLine($"| {shape} | {before[rounds / 2]:0.00} ({before[0]:0.00}–{before[^1]:0.00}) | {allocatedBefore} | {after[rounds / 2]:0.00} ({after[0]:0.00}–{after[^1]:0.00}) | {allocatedAfter} |");
}

// ns per message over one timed loop; bytes allocated by the walks themselves added up.
static double Time(bool shared, byte[] datagram, int iterations, int count, ref long allocated)
{
    var sink = 0L;
    var bytes = GC.GetAllocatedBytesForCurrentThread();
    var start = Stopwatch.GetTimestamp();
    for (var i = 0; i < iterations; i++) sink += shared ? After(datagram) : Before(datagram);
    var elapsed = Stopwatch.GetElapsedTime(start);
    allocated += GC.GetAllocatedBytesForCurrentThread() - bytes;
    GC.KeepAlive(sink);
    return elapsed.TotalNanoseconds / iterations / count;
}

static byte[] Datagram(int count)
{
    var datagram = new byte[count * MessageLength];
    for (var i = 0; i < count; i++)
    {
        var m = datagram.AsSpan(i * MessageLength, MessageLength);
        BinaryPrimitives.WriteUInt32LittleEndian(m, MessageLength);
        BinaryPrimitives.WriteUInt16LittleEndian(m[4..], (ushort)(i % 2 == 0 ? 0x100 : 0x102));
        BinaryPrimitives.WriteUInt16LittleEndian(m[6..], 0x400);
        BinaryPrimitives.WriteUInt32LittleEndian(m[8..], (uint)i);
        m[16] = (byte)i;
    }
    return datagram;
}

// What ConntrackCountKeeper.Drain did before: the header read by hand.
static long Before(ReadOnlySpan<byte> datagram)
{
    var sum = 0L;
    while (datagram.Length >= NetlinkAbi.HeaderLength)
    {
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram);
        if (length < NetlinkAbi.HeaderLength || length > datagram.Length) break;
        var type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(datagram[6..]);
        var payload = datagram[NetlinkAbi.HeaderLength..length];
        datagram = datagram[Math.Min(NetlinkAbi.Align(length), datagram.Length)..];
        if (type == 0x102) sum += payload[0];
        else if (type == 0x100 && (flags & NetlinkAbi.Create) != 0) sum += payload.Length;
    }
    return sum;
}

static long After(ReadOnlySpan<byte> datagram)
{
    var sum = 0L;
    foreach (var message in new NetlinkMessages(datagram))
    {
        if (message.Type == 0x102) sum += message.Payload[0];
        else if (message.Type == 0x100 && (message.Flags & NetlinkAbi.Create) != 0) sum += message.Payload.Length;
    }
    return sum;
}
