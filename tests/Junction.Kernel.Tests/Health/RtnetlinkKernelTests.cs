using System.Net;
using Junction.Linux.Namespaces;
using Junction.Linux.Netlink;

namespace Junction.Health.Kernel.Tests;

/// <summary>The rtnetlink listener, opened inside a namespace this test made.</summary>
public sealed class RtnetlinkKernelTests
{
    // Only a guard against a hung test, never a latency claim.
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    private static async Task<T> Next<T>(RtnetlinkListener listener, Func<T, bool> wanted) where T : LinkEvent
    {
        using var cancel = new CancellationTokenSource(Guard);
        await foreach (var e in listener.Events.ReadAllAsync(cancel.Token))
            if (e is T t && wanted(t)) return t;
        throw new InvalidOperationException("the listener stopped");
    }

    [Fact]
    public async Task Sees_carrier_loss_when_the_far_end_goes_down_and_back()
    {
        using var net = HealthNetns.Create();
        using var listener = NamespaceThread.Run(net.Router.Name, RtnetlinkListener.Open);

        net.Peer.Runner.Check("ip", "link", "set", HealthNetns.PeerIf, "down");
        var lost = await Next<LinkStateChanged>(listener, l => l.Name == HealthNetns.RouterIf && !l.HasCarrier);
        Assert.True(lost.AdminUp);
        Assert.False(lost.LowerUp);

        net.Peer.Runner.Check("ip", "link", "set", HealthNetns.PeerIf, "up");
        var back = await Next<LinkStateChanged>(listener, l => l.Name == HealthNetns.RouterIf && l.HasCarrier);
        Assert.Equal(OperState.Up, back.OperState);
    }

    [Fact]
    public async Task Sees_its_own_link_set_down()
    {
        using var net = HealthNetns.Create();
        using var listener = NamespaceThread.Run(net.Router.Name, RtnetlinkListener.Open);
        net.Router.Runner.Check("ip", "link", "set", HealthNetns.RouterIf, "down");
        var e = await Next<LinkStateChanged>(listener, l => l.Name == HealthNetns.RouterIf && !l.AdminUp);
        Assert.False(e.HasCarrier);
    }

    [Fact]
    public async Task Sees_an_address_removed()
    {
        using var net = HealthNetns.Create();
        using var listener = NamespaceThread.Run(net.Router.Name, RtnetlinkListener.Open);
        net.Router.Runner.Check("ip", "addr", "del", $"{HealthNetns.RouterIp}/24", "dev", HealthNetns.RouterIf);
        var e = await Next<AddressChanged>(listener, a => a.Removed);
        Assert.Equal(IPAddress.Parse(HealthNetns.RouterIp), e.Address);
        Assert.Equal(24, e.PrefixLength);
        Assert.Equal(HealthNetns.RouterIf, e.Label);
    }

    [Fact]
    public async Task Sees_a_link_deleted()
    {
        using var net = HealthNetns.Create();
        using var listener = NamespaceThread.Run(net.Router.Name, RtnetlinkListener.Open);
        net.Router.Runner.Check("ip", "link", "del", HealthNetns.RouterIf);
        var e = await Next<LinkStateChanged>(listener, l => l.Deleted);
        Assert.Equal(HealthNetns.RouterIf, e.Name);
        Assert.False(e.HasCarrier);
    }
}
