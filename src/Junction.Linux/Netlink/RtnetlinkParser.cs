using System.Buffers.Binary;
using System.Net;
using Junction.Linux.Interop;

namespace Junction.Linux.Netlink;

/// <summary>
/// Decodes rtnetlink datagrams (nlmsghdr, then ifinfomsg / ifaddrmsg, then rtattrs, all
/// in host byte order and 4-byte aligned) into <see cref="LinkEvent"/>s. Pure, so it is
/// tested on byte arrays. Messages of other types and truncated ones are skipped.
/// </summary>
public static class RtnetlinkParser
{
    /// <summary>
    /// The routing table of a route message (RTM_NEWROUTE/DELROUTE, after nlmsghdr), read
    /// without parsing the rest: RTA_TABLE when present (tables above 255 are only there),
    /// else rtm_table. Lets a reader pass over routes of other tables (a full BGP table in
    /// main) before it spends anything on them.
    /// </summary>
    public static uint RouteTable(ReadOnlySpan<byte> body)
    {
        if (body.Length < Rtnetlink.RtMsgLength) return 0;
        var attribute = NetlinkAttributes.Find(body[Rtnetlink.RtMsgLength..], Rtnetlink.RtaTable);
        return attribute.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(attribute) : body[4];
    }

    private const int IfInfoMsg = Rtnetlink.IfInfoMsgLength, IfAddrMsg = Rtnetlink.IfAddrMsgLength;

    public static List<LinkEvent> Parse(ReadOnlySpan<byte> datagram)
    {
        var events = new List<LinkEvent>();
        foreach (var message in new NetlinkMessages(datagram))
            if (Parse(message.Type, message.Payload) is { } e) events.Add(e);
        return events;
    }

    /// <summary>One message, without its nlmsghdr (as a dump hands it over); null for other types.</summary>
    public static LinkEvent? Parse(ushort type, ReadOnlySpan<byte> body) => type switch
    {
        Rtnetlink.NewLink or Rtnetlink.DelLink => Link(body, type == Rtnetlink.DelLink),
        Rtnetlink.NewAddr or Rtnetlink.DelAddr => Address(body, type == Rtnetlink.DelAddr),
        _ => null,
    };

    private static LinkStateChanged? Link(ReadOnlySpan<byte> body, bool deleted)
    {
        if (body.Length < IfInfoMsg) return null;
        var index = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(body[8..]);
        string? name = null;
        var oper = OperState.Unknown;
        foreach (var a in new NetlinkAttributes(body[IfInfoMsg..]))
        {
            if (a.Type == Rtnetlink.IflaIfname) name = NetlinkAttributes.CString(a.Value);
            else if (a.Type == Rtnetlink.IflaOperstate && a.Value.Length >= 1) oper = (OperState)a.Value[0];
        }
        return new LinkStateChanged(index, name, (flags & Rtnetlink.IffUp) != 0, (flags & Rtnetlink.IffLowerUp) != 0, oper, deleted);
    }

    private static AddressChanged? Address(ReadOnlySpan<byte> body, bool removed)
    {
        if (body.Length < IfAddrMsg) return null;
        var family = body[0];
        if (family is not (Libc.AfInet or Libc.AfInet6)) return null;
        var prefix = body[1];
        var index = (int)BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
        byte[]? address = null, local = null;
        string? label = null;
        foreach (var a in new NetlinkAttributes(body[IfAddrMsg..]))
        {
            if (a.Type == Rtnetlink.IfaAddress) address = a.Value.ToArray();
            else if (a.Type == Rtnetlink.IfaLocal) local = a.Value.ToArray();
            else if (a.Type == Rtnetlink.IfaLabel) label = NetlinkAttributes.CString(a.Value);
        }
        // On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is ours.
        var ours = local ?? address;
        if (ours is null || ours.Length != (family == Libc.AfInet ? 4 : 16)) return null;
        return new AddressChanged(index, label, new IPAddress(ours), prefix, removed);
    }
}
