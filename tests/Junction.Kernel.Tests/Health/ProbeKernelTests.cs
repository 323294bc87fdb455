using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Junction.Linux.Namespaces;
using Junction.Linux.Probes;
using Junction.Model;

namespace Junction.Health.Kernel.Tests;

/// <summary>ICMP and TCP probes bound to a veth, sent from inside a namespace this test made.</summary>
public sealed partial class ProbeKernelTests
{
    private static readonly ProbeBinding Binding = new(HealthNetns.RouterIf, 0x00010000);
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);

    private static ProbeTarget Target(string address, int? port = null) => new(IPAddress.Parse(address), port);

    // The socket is made on a thread inside the router namespace; the rest may run anywhere.
    private static ProbeResult Send(HealthNetns net, IProbe probe, ProbeTarget target) =>
        NamespaceThread.Run(net.Router.Name, () => probe.SendAsync(target, Timeout, CancellationToken.None)).GetAwaiter().GetResult();

    [Fact]
    public void Icmp_probe_answers_through_the_veth_and_fails_once_the_peer_drops_everything()
    {
        using var net = HealthNetns.Create();
        var probe = new IcmpProbe(Binding, TimeProvider.System);
        var ok = Send(net, probe, Target(HealthNetns.PeerIp));
        Assert.True(ok.Answered, ok.ToString());
        Assert.NotNull(ok.Rtt);

        net.BlackholePeer();
        var dead = Send(net, probe, Target(HealthNetns.PeerIp));
        Assert.False(dead.Answered);
        Assert.Contains("no echo reply", dead.Error);
    }

    [Fact]
    public void Icmpv6_probe_answers_through_the_veth()
    {
        using var net = HealthNetns.Create();
        var result = Send(net, new IcmpProbe(Binding, TimeProvider.System), Target(HealthNetns.PeerIp6));
        Assert.True(result.Answered, result.ToString());
    }

    [Fact]
    public void Tcp_probe_connects_then_fails_when_the_peer_link_goes_down()
    {
        using var net = HealthNetns.Create();
        // A listening socket made inside the peer: the kernel completes handshakes for it.
        using var listener = NamespaceThread.Run(net.Peer.Name, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Parse(HealthNetns.PeerIp), 8080));
            s.Listen(64);
            return s;
        });
        var probe = new TcpProbe(Binding, TimeProvider.System);
        var ok = Send(net, probe, Target(HealthNetns.PeerIp, 8080));
        Assert.True(ok.Answered, ok.ToString());

        net.Peer.Runner.Check("ip", "link", "set", HealthNetns.PeerIf, "down");
        var dead = Send(net, probe, Target(HealthNetns.PeerIp, 8080));
        Assert.False(dead.Answered);
    }

    [Fact]
    public void Tcp_probe_to_a_closed_port_is_a_failure()
    {
        using var net = HealthNetns.Create();
        var result = Send(net, new TcpProbe(Binding, TimeProvider.System), Target(HealthNetns.PeerIp, 8081));
        Assert.False(result.Answered);
        Assert.Equal("connection refused", result.Error);
    }

    [Fact]
    public void Probes_carry_the_uplink_mark_and_leave_through_its_device()
    {
        using var net = HealthNetns.Create();
        net.Router.Runner.Run("nft", ["-f", "-"], """
            table inet jth {
              chain out {
                type filter hook output priority 0;
                oifname "jth0" meta mark 0x00010000 ip daddr 10.77.0.2 counter
              }
            }

            """).Check();
        var result = Send(net, new IcmpProbe(Binding, TimeProvider.System), Target(HealthNetns.PeerIp));
        Assert.True(result.Answered, result.ToString());
        var listing = net.Router.Runner.Check("nft", "list", "table", "inet", "jth");
        Assert.Matches(PacketsAtLeastOne(), listing);
    }

    [Fact]
    public void A_probe_bound_to_a_missing_device_fails_with_the_call_named()
    {
        using var net = HealthNetns.Create();
        var result = Send(net, new IcmpProbe(Binding with { Interface = "jth-none" }, TimeProvider.System), Target(HealthNetns.PeerIp));
        Assert.False(result.Answered);
        Assert.Contains("setsockopt(SO_BINDTODEVICE, jth-none)", result.Error);
    }

    [Fact]
    public void A_round_applies_the_require_rule()
    {
        using var net = HealthNetns.Create();
        var targets = new[] { Target(HealthNetns.PeerIp), Target("10.77.0.3") };
        ProbeRound Round(int require) => NamespaceThread.Run(net.Router.Name, () =>
                UplinkProber.For(ProbeModel.None with { Targets = targets, Timeout = Timeout, Require = require }, Binding, TimeProvider.System)
                    .RunRoundAsync(CancellationToken.None))
            .GetAwaiter().GetResult();

        var one = Round(1);
        Assert.True(one.Good, one.ToString());
        Assert.Equal(1, one.Answered);
        var all = Round(2);
        Assert.False(all.Good, all.ToString());
    }

    [Fact]
    public async Task A_round_with_a_long_timeout_ends_at_the_first_answer_it_requires()
    {
        using var net = HealthNetns.Create();
        // Two addresses nobody holds: their probes would wait out the whole minute.
        var targets = new[] { Target("10.77.0.3"), Target(HealthNetns.PeerIp), Target("10.77.0.4") };
        var probe = ProbeModel.None with { Targets = targets, Timeout = TimeSpan.FromMinutes(1), Require = 1 };
        var round = NamespaceThread.Run(net.Router.Name, () =>
            UplinkProber.For(probe, Binding, TimeProvider.System).RunRoundAsync(CancellationToken.None));

        // Well under the timeout, however loaded the machine: only the answer can end it this soon.
        var ended = await Task.WhenAny(round, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.True(ended == round, "the round waited for the dead targets");
        var result = await round;
        Assert.True(result.Good, result.ToString());
        Assert.Equal(1, result.Decided);
        Assert.Equal(2, result.Results.Count(r => r.Skipped));
    }

    [GeneratedRegex(@"counter packets [1-9]")]
    private static partial Regex PacketsAtLeastOne();
}
