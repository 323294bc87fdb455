using System.Buffers.Binary;
using System.Net;
using Junction.Linux.Interop;
using Junction.Linux.Netlink;

namespace Junction.Linux.Conntrack;

/// <summary>
/// What status counts a connection under: its mark masked to Junction's bits, and the
/// address the far end saw (the reply tuple's destination: the SNAT address), IPv4 as its 4
/// bytes and IPv6 as 16, without an IPAddress per entry.
/// </summary>
internal readonly record struct ConntrackGroupKey(uint Mark, UInt128 Bits, bool V6)
{
    public IPAddress Address
    {
        get
        {
            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(bytes, Bits);
            return new IPAddress(V6 ? bytes : bytes[12..]);
        }
    }

    public static ConntrackGroupKey Of(uint mark, ReadOnlySpan<byte> address)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        address.CopyTo(bytes[(16 - Math.Min(address.Length, 16))..]);
        return new ConntrackGroupKey(mark, BinaryPrimitives.ReadUInt128BigEndian(bytes), address.Length == 16);
    }

    /// <summary>
    /// Reads a ctnetlink entry's payload (after nlmsghdr): only the mark, the reply tuple's
    /// destination and what tells the entry apart from every other live one (<paramref name="identity"/>:
    /// a 64-bit hash of its id, CTA_ID, and its original tuple; the 32-bit id alone is a hash
    /// too and collides among a quarter of a million entries), the rest skipped unparsed.
    /// False when the masked mark is zero: not a connection Junction balanced.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, uint mask, out ConntrackGroupKey key, out ulong identity)
    {
        key = default;
        identity = 0;
        if (payload.Length < Nfnetlink.GenMsgLength) return false;
        uint mark = 0;
        ReadOnlySpan<byte> reply = default, original = default, id = default;
        foreach (var a in new NetlinkAttributes(payload[Nfnetlink.GenMsgLength..]))
        {
            if (a.Type == Ctnetlink.Mark && a.Value.Length >= 4) mark = BinaryPrimitives.ReadUInt32BigEndian(a.Value);
            else if (a.Type == Ctnetlink.TupleReply) reply = a.Value;
            else if (a.Type == Ctnetlink.TupleOrig) original = a.Value;
            else if (a.Type == Ctnetlink.CtaId) id = a.Value;
        }
        mark &= mask;
        if (mark == 0) return false;
        identity = Fnv1a(Fnv1a(Offset, id), original);
        ReadOnlySpan<byte> destination = default;
        foreach (var ip in new NetlinkAttributes(NetlinkAttributes.Find(reply, Ctnetlink.TupleIp)))
            if (ip.Type is Ctnetlink.IpV4Dst or Ctnetlink.IpV6Dst) destination = ip.Value;
        key = Of(mark, destination);
        return true;
    }

    private const ulong Offset = 14695981039346656037, Prime = 1099511628211;

    private static ulong Fnv1a(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes) hash = (hash ^ b) * Prime;
        return hash;
    }
}
