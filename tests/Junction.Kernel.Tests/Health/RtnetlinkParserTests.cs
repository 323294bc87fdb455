using System.Buffers.Binary;
using System.Net;
using System.Text;
using Junction.Linux.Netlink;

namespace Junction.Health.Kernel.Tests;

/// <summary>
/// Decoding rtnetlink datagrams built by hand (no kernel needed; it lives here because
/// the parser is in Junction.Linux, which only this test project references).
/// </summary>
public sealed class RtnetlinkParserTests
{
    private const uint IffUp = 0x1, IffRunning = 0x40, IffLowerUp = 0x10000;

    private static byte[] Attr(ushort type, byte[] value)
    {
        var a = new byte[(4 + value.Length + 3) & ~3];
        BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(a.AsSpan(2), type);
        value.CopyTo(a, 4);
        return a;
    }

    private static byte[] Message(ushort type, byte[] fixedPart, params byte[][] attrs)
    {
        var body = fixedPart.Concat(attrs.SelectMany(a => a)).ToArray();
        var m = new byte[16 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(m, (uint)m.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(4), type);
        body.CopyTo(m, 16);
        return m;
    }

    private static byte[] Link(ushort type, int index, uint flags, string name, byte oper)
    {
        var ifi = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(ifi.AsSpan(4), index);
        BinaryPrimitives.WriteUInt32LittleEndian(ifi.AsSpan(8), flags);
        return Message(type, ifi, Attr(3, Encoding.UTF8.GetBytes(name + "\0")), Attr(16, [oper]));
    }

    private static byte[] Addr(ushort type, int index, string address, byte prefix, string? label, string? peer = null)
    {
        var ip = IPAddress.Parse(address);
        var ifa = new byte[8];
        ifa[0] = (byte)(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 2 : 10);
        ifa[1] = prefix;
        BinaryPrimitives.WriteUInt32LittleEndian(ifa.AsSpan(4), (uint)index);
        var attrs = new List<byte[]> { Attr(1, IPAddress.Parse(peer ?? address).GetAddressBytes()) };
        if (peer is not null) attrs.Add(Attr(2, ip.GetAddressBytes()));
        if (label is not null) attrs.Add(Attr(3, Encoding.ASCII.GetBytes(label + "\0")));
        return Message(type, ifa, [.. attrs]);
    }

    [Fact]
    public void Carrier_loss_is_up_without_lower_up()
    {
        var e = Assert.IsType<LinkStateChanged>(Assert.Single(RtnetlinkParser.Parse(Link(16, 7, IffUp, "wan1", 2))));
        Assert.Equal((7, "wan1", true, false, OperState.Down, false), (e.Index, e.Name, e.AdminUp, e.LowerUp, e.OperState, e.Deleted));
        Assert.False(e.HasCarrier);
    }

    [Fact]
    public void A_link_name_is_read_as_utf8_as_the_rule_and_route_readers_read_it()
    {
        // The kernel takes any bytes but '/', ':' and blanks in a name (15 at most).
        var e = Assert.IsType<LinkStateChanged>(Assert.Single(RtnetlinkParser.Parse(Link(16, 4, IffUp, "wän-ü", 6))));
        Assert.Equal("wän-ü", e.Name);
    }

    [Fact]
    public void A_running_link_has_carrier()
    {
        var e = Assert.IsType<LinkStateChanged>(Assert.Single(RtnetlinkParser.Parse(Link(16, 3, IffUp | IffRunning | IffLowerUp, "eth0", 6))));
        Assert.True(e.HasCarrier);
        Assert.Equal(OperState.Up, e.OperState);
    }

    [Fact]
    public void A_tunnel_with_unknown_operstate_but_lower_up_has_carrier()
    {
        var e = Assert.IsType<LinkStateChanged>(Assert.Single(RtnetlinkParser.Parse(Link(16, 9, IffUp | IffLowerUp, "tun0", 0))));
        Assert.True(e.HasCarrier);
    }

    [Fact]
    public void Dellink_is_a_deleted_link_without_carrier()
    {
        var e = Assert.IsType<LinkStateChanged>(Assert.Single(RtnetlinkParser.Parse(Link(17, 9, IffUp | IffLowerUp, "tun0", 6))));
        Assert.True(e.Deleted);
        Assert.False(e.HasCarrier);
    }

    [Fact]
    public void Deladdr_v4_with_label()
    {
        var e = Assert.IsType<AddressChanged>(Assert.Single(RtnetlinkParser.Parse(Addr(21, 4, "192.0.2.7", 24, "wan1"))));
        Assert.Equal((4, "wan1", IPAddress.Parse("192.0.2.7"), 24, true), (e.Index, e.Label, e.Address, e.PrefixLength, e.Removed));
    }

    [Fact]
    public void Newaddr_v6()
    {
        var e = Assert.IsType<AddressChanged>(Assert.Single(RtnetlinkParser.Parse(Addr(20, 4, "2001:db8::7", 64, null))));
        Assert.False(e.Removed);
        Assert.Equal(IPAddress.Parse("2001:db8::7"), e.Address);
    }

    [Fact]
    public void On_a_point_to_point_link_the_local_address_is_ours()
    {
        var e = Assert.IsType<AddressChanged>(Assert.Single(RtnetlinkParser.Parse(Addr(21, 5, "10.8.0.2", 32, "tun0", peer: "10.8.0.1"))));
        Assert.Equal(IPAddress.Parse("10.8.0.2"), e.Address);
    }

    [Fact]
    public void Several_messages_in_one_datagram_and_other_types_skipped()
    {
        var noise = Message(24, new byte[12]);   // RTM_NEWROUTE
        var datagram = Link(16, 1, IffUp, "a", 2).Concat(noise).Concat(Addr(21, 1, "192.0.2.1", 24, "a")).ToArray();
        var events = RtnetlinkParser.Parse(datagram);
        Assert.Collection(events, e => Assert.IsType<LinkStateChanged>(e), e => Assert.IsType<AddressChanged>(e));
    }

    [Fact]
    public void Truncated_input_yields_what_is_whole()
    {
        var whole = Link(16, 1, IffUp, "a", 2);
        var datagram = whole.Concat(Link(16, 2, IffUp, "b", 2)[..20]).ToArray();
        Assert.Single(RtnetlinkParser.Parse(datagram));
        Assert.Empty(RtnetlinkParser.Parse(whole[..10]));
    }

    [Fact]
    public void An_attribute_claiming_more_than_is_there_stops_attribute_parsing()
    {
        var m = Link(16, 1, IffUp, "wan1", 2);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(32), 200);   // the IFLA_IFNAME length
        var e = Assert.IsType<LinkStateChanged>(Assert.Single(RtnetlinkParser.Parse(m)));
        Assert.Null(e.Name);
    }
}
