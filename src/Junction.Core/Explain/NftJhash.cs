using System.Buffers.Binary;
using System.Net;
using System.Numerics;

namespace Junction.Explain;

/// <summary>
/// The kernel's <c>jhash()</c> (include/linux/jhash.h, Bob Jenkins' lookup3) and nft_hash's
/// <c>reciprocal_scale</c>, so <c>junction explain</c> can say which slot
/// <c>jhash ip saddr mod N seed S</c> picks for a source without asking the kernel. The
/// key is the register contents: addresses in network byte order, concatenated fields
/// each padded to 4 bytes (addresses need no padding). Full 12-byte blocks are read as
/// CPU-endian words; this assumes a little-endian CPU (x86, arm64), as the kernel test that
/// checks this against real conntrack marks does.
/// </summary>
public static class NftJhash
{
    private const uint InitVal = 0xdeadbeef;

    public static uint Hash(ReadOnlySpan<byte> key, uint seed)
    {
        var length = (uint)key.Length;
        uint a, b, c;
        a = b = c = InitVal + length + seed;
        var k = key;
        while (k.Length > 12)
        {
            a += BinaryPrimitives.ReadUInt32LittleEndian(k);
            b += BinaryPrimitives.ReadUInt32LittleEndian(k[4..]);
            c += BinaryPrimitives.ReadUInt32LittleEndian(k[8..]);
            Mix(ref a, ref b, ref c);
            k = k[12..];
        }
        if (k.Length == 0) return c;
        // The tail is added byte by byte, lowest byte first, whatever the CPU.
        for (var i = k.Length - 1; i >= 0; i--)
        {
            var v = (uint)k[i] << (8 * (i % 4));
            if (i >= 8) c += v; else if (i >= 4) b += v; else a += v;
        }
        Final(ref a, ref b, ref c);
        return c;
    }

    /// <summary>The slot of <c>mod N</c>: nft scales the hash, it does not take a remainder.</summary>
    public static int Scale(uint hash, int modulus) => (int)(((ulong)hash * (uint)modulus) >> 32);

    /// <summary>The slot <c>jhash ADDR[ . ADDR...] mod N seed S</c> gives these addresses.</summary>
    public static int Slot(IEnumerable<IPAddress> fields, int modulus, uint seed)
    {
        var key = fields.SelectMany(a => a.GetAddressBytes()).ToArray();
        return Scale(Hash(key, seed), modulus);
    }

    private static void Mix(ref uint a, ref uint b, ref uint c)
    {
        a -= c; a ^= BitOperations.RotateLeft(c, 4); c += b;
        b -= a; b ^= BitOperations.RotateLeft(a, 6); a += c;
        c -= b; c ^= BitOperations.RotateLeft(b, 8); b += a;
        a -= c; a ^= BitOperations.RotateLeft(c, 16); c += b;
        b -= a; b ^= BitOperations.RotateLeft(a, 19); a += c;
        c -= b; c ^= BitOperations.RotateLeft(b, 4); b += a;
    }

    private static void Final(ref uint a, ref uint b, ref uint c)
    {
        c ^= b; c -= BitOperations.RotateLeft(b, 14);
        a ^= c; a -= BitOperations.RotateLeft(c, 11);
        b ^= a; b -= BitOperations.RotateLeft(a, 25);
        c ^= b; c -= BitOperations.RotateLeft(b, 16);
        a ^= c; a -= BitOperations.RotateLeft(c, 4);
        b ^= a; b -= BitOperations.RotateLeft(a, 14);
        c ^= b; c -= BitOperations.RotateLeft(b, 24);
    }
}
