using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Junction.Linux.Netlink;

/// <summary>
/// Decodes rtnetlink datagrams (nlmsghdr, then ifinfomsg / ifaddrmsg, then rtattrs, all
/// in host byte order and 4-byte aligned) into <see cref="LinkEvent"/>s. Pure, so it is
/// tested on byte arrays. Messages of other types and truncated ones are skipped.
/// </summary>
public static class RtnetlinkParser
{
    public const ushort NewLink = 16, DelLink = 17, NewAddr = 20, DelAddr = 21;
    private const int NlmsgHeader = 16, IfInfoMsg = 16, IfAddrMsg = 8, RtaHeader = 4;
    private const uint IffUp = 0x1, IffLowerUp = 0x10000;
    private const ushort IflaIfname = 3, IflaOperstate = 16;
    private const ushort IfaAddress = 1, IfaLocal = 2, IfaLabel = 3;
    private const byte AfInet = 2, AfInet6 = 10;

    public static List<LinkEvent> Parse(ReadOnlySpan<byte> datagram)
    {
        var events = new List<LinkEvent>();
        while (datagram.Length >= NlmsgHeader)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram);
            if (length < NlmsgHeader || length > datagram.Length) break;
            var type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
            if (Parse(type, datagram[NlmsgHeader..length]) is { } e) events.Add(e);
            datagram = datagram[Math.Min(Align(length), datagram.Length)..];
        }
        return events;
    }

    /// <summary>One message, without its nlmsghdr (as a dump hands it over); null for other types.</summary>
    public static LinkEvent? Parse(ushort type, ReadOnlySpan<byte> body) => type switch
    {
        NewLink or DelLink => Link(body, type == DelLink),
        NewAddr or DelAddr => Address(body, type == DelAddr),
        _ => null,
    };

    private static LinkStateChanged? Link(ReadOnlySpan<byte> body, bool deleted)
    {
        if (body.Length < IfInfoMsg) return null;
        var index = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(body[8..]);
        string? name = null;
        var oper = OperState.Unknown;
        foreach (var (type, value) in Attributes(body[IfInfoMsg..]))
        {
            if (type == IflaIfname) name = CString(value);
            else if (type == IflaOperstate && value.Length >= 1) oper = (OperState)value[0];
        }
        return new LinkStateChanged(index, name, (flags & IffUp) != 0, (flags & IffLowerUp) != 0, oper, deleted);
    }

    private static AddressChanged? Address(ReadOnlySpan<byte> body, bool removed)
    {
        if (body.Length < IfAddrMsg) return null;
        var family = body[0];
        if (family is not (AfInet or AfInet6)) return null;
        var prefix = body[1];
        var index = (int)BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
        byte[]? address = null, local = null;
        string? label = null;
        foreach (var (type, value) in Attributes(body[IfAddrMsg..]))
        {
            if (type == IfaAddress) address = value.ToArray();
            else if (type == IfaLocal) local = value.ToArray();
            else if (type == IfaLabel) label = CString(value);
        }
        // On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is ours.
        var ours = local ?? address;
        if (ours is null || ours.Length != (family == AfInet ? 4 : 16)) return null;
        return new AddressChanged(index, label, new IPAddress(ours), prefix, removed);
    }

    private static List<(ushort Type, byte[] Value)> Attributes(ReadOnlySpan<byte> data)
    {
        var result = new List<(ushort, byte[])>();
        while (data.Length >= RtaHeader)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(data);
            if (length < RtaHeader || length > data.Length) break;
            // The top bits are NLA_F_NESTED / NLA_F_NET_BYTEORDER, not part of the type.
            var type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(data[2..]) & 0x3fff);
            result.Add((type, data[RtaHeader..length].ToArray()));
            data = data[Math.Min(Align(length), data.Length)..];
        }
        return result;
    }

    private static string CString(ReadOnlySpan<byte> value)
    {
        var end = value.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? value : value[..end]);
    }

    private static int Align(int length) => (length + 3) & ~3;
}
