using System.Net;
using Junction.Linux.Observe;

namespace Junction.Kernel.Tests.Observe;

/// <summary>Lines as conntrack 1.4.7 prints them with -o extended.</summary>
public sealed class ConntrackParserTests
{
    [Fact]
    public void A_tcp_entry_with_state_tuples_and_mark()
    {
        var c = ConntrackParser.ParseLine(
            "ipv4     2 tcp      6 119 TIME_WAIT src=10.9.0.11 dst=198.51.100.10 sport=37514 dport=7000 src=198.51.100.10 dst=10.100.1.2 sport=7000 dport=37514 [ASSURED] mark=65536 use=1")!;
        Assert.Equal("tcp", c.Protocol);
        Assert.Equal("TIME_WAIT", c.State);
        Assert.Equal(IPAddress.Parse("10.9.0.11"), c.Source);
        Assert.Equal(37514, c.SourcePort);
        Assert.Equal(7000, c.DestinationPort);
        Assert.Equal(IPAddress.Parse("10.100.1.2"), c.ReplyDestination);
        Assert.Equal(65536u, c.Mark);
        Assert.True(c.SourceNatted);
    }

    [Fact]
    public void Udp_ipv6_and_portless_entries()
    {
        var udp = ConntrackParser.ParseLine("ipv6     10 udp      17 29 src=::1 dst=::1 sport=49508 dport=9999 [UNREPLIED] src=::1 dst=::1 sport=9999 dport=49508 mark=0 use=1")!;
        Assert.Null(udp.State);
        Assert.Equal(IPAddress.IPv6Loopback, udp.Destination);
        Assert.False(udp.SourceNatted);
        var igmp = ConntrackParser.ParseLine("ipv4     2 unknown  2 598 src=10.9.0.1 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=10.9.0.1 mark=0 use=1")!;
        Assert.Null(igmp.SourcePort);
        Assert.Equal("unknown", igmp.Protocol);
    }

    [Fact]
    public void The_summary_line_and_noise_are_skipped() =>
        Assert.Empty(ConntrackParser.Parse("conntrack v1.4.7 (conntrack-tools): 7 flow entries have been shown.\n\n"));
}
