using System.Net;
using Junction.Configuration;
using Junction.Health;
using Junction.Linux.Netlink;

namespace Junction.Cli.Daemon.Tests;

public sealed class LinkTableTests
{
    private static readonly IReadOnlyList<Model.UplinkModel> Uplinks = ConfigLoader.LoadText("""
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.1.0.1 }
          - { name: isp2, interface: wan2, gateway: 10.2.0.1 }
          - { name: vpn, interface: tun0 }
        """, "test.yaml").Uplinks;

    internal static LinkStateChanged Link(int index, string name, bool up = true, bool carrier = true) =>
        new(index, name, up, carrier, carrier && up ? OperState.Up : OperState.Down, Deleted: false);

    internal static AddressChanged Address(int index, string address, bool removed = false) =>
        new(index, null, IPAddress.Parse(address), 24, removed);

    internal static IReadOnlyList<LinkEvent> AllUp =>
    [
        Link(2, "wan1"), Address(2, "10.1.0.2"),
        Link(3, "wan2"), Address(3, "10.2.0.2"),
        Link(5, "tun0"), Address(5, "10.8.0.2"),
    ];

    [Fact]
    public void At_start_only_what_is_wrong_is_told_and_its_uplink_is_unroutable()
    {
        var table = new LinkTable();
        Assert.Empty(table.Reset([Link(2, "wan1"), Address(2, "10.1.0.2"), Link(3, "wan2", up: false), Address(3, "10.2.0.2")]));

        var signals = table.Bind(Uplinks);

        Assert.Equal([("isp2", LinkSignal.CarrierDown), ("vpn", LinkSignal.CarrierDown), ("vpn", LinkSignal.AddressLost)], signals);
        Assert.Equal(new HashSet<string> { "isp2", "vpn" }, table.Unroutable);
        Assert.True(table.Carrier("isp1"));
        Assert.False(table.Carrier("isp2"));
    }

    [Fact]
    public void Carrier_loss_and_return_are_told_once_each()
    {
        var table = new LinkTable();
        table.Reset(AllUp);
        table.Bind(Uplinks);

        Assert.Equal([("isp1", LinkSignal.CarrierDown)], table.Observe(Link(2, "wan1", carrier: false)));
        Assert.Empty(table.Observe(Link(2, "wan1", carrier: false)));
        Assert.Equal(["isp1"], table.Unroutable);
        Assert.Equal([("isp1", LinkSignal.CarrierUp)], table.Observe(Link(2, "wan1")));
        Assert.Empty(table.Unroutable);
    }

    [Fact]
    public void Only_the_last_address_of_a_family_going_away_is_an_address_loss()
    {
        var table = new LinkTable();
        table.Reset([.. AllUp, Address(3, "10.2.0.3"), Address(3, "fe80::1")]);
        table.Bind(Uplinks);

        Assert.Empty(table.Observe(Address(3, "10.2.0.3", removed: true)));
        Assert.Equal([("isp2", LinkSignal.AddressLost)], table.Observe(Address(3, "10.2.0.2", removed: true)));
        Assert.Equal([("isp2", LinkSignal.AddressRestored)], table.Observe(Address(3, "10.2.0.2")));
    }

    [Fact]
    public void A_tunnel_deleted_and_made_again_under_a_new_index_comes_back()
    {
        var table = new LinkTable();
        table.Reset(AllUp);
        table.Bind(Uplinks);

        var gone = table.Observe(new LinkStateChanged(5, "tun0", false, false, OperState.Down, Deleted: true));
        Assert.Equal([("vpn", LinkSignal.CarrierDown), ("vpn", LinkSignal.AddressLost)], gone);
        Assert.Equal([("vpn", LinkSignal.CarrierUp)], table.Observe(Link(9, "tun0")));
        Assert.Equal([("vpn", LinkSignal.AddressRestored)], table.Observe(Address(9, "10.8.0.2")));
        Assert.Empty(table.Unroutable);
    }

    [Fact]
    public void A_lost_deletion_does_not_let_a_stale_entry_shadow_the_new_interface()
    {
        var table = new LinkTable();
        table.Reset(AllUp);
        table.Bind(Uplinks);

        // The old tun0 (index 5) was never reported deleted; the new one is index 9.
        Assert.Equal([("vpn", LinkSignal.AddressLost)], table.Observe(Link(9, "tun0")));
        Assert.Equal([("vpn", LinkSignal.AddressRestored)], table.Observe(Address(9, "10.8.0.3")));
    }
}
