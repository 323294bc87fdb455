using System.Net;

namespace Junction.Explain.Tests;

public sealed class ConnectionQueryTests
{
    [Fact]
    public void A_whole_tcp_connection()
    {
        var q = ConnectionQuery.Parse("tcp 10.9.0.2:51234 -> 93.184.216.34:443");
        Assert.Equal(new ConnectionQuery("tcp", IPAddress.Parse("10.9.0.2"), 51234, IPAddress.Parse("93.184.216.34"), 443), q);
        Assert.True(q.IsWhole);
        Assert.Equal("tcp 10.9.0.2:51234 -> 93.184.216.34:443", q.ToString());
    }

    [Fact]
    public void The_arrow_needs_no_spaces() =>
        Assert.Equal(ConnectionQuery.Parse("udp 10.9.0.2:5000 -> 10.1.1.1:53"), ConnectionQuery.Parse("UDP 10.9.0.2:5000->10.1.1.1:53"));

    [Theory]
    [InlineData("93.184.216.34", null, null, null)]
    [InlineData("tcp 93.184.216.34:443", "tcp", null, 443)]
    [InlineData("udp 93.184.216.34:53 from 10.9.0.2", "udp", "10.9.0.2", 53)]
    [InlineData("93.184.216.34 from 10.9.0.2", null, "10.9.0.2", null)]
    public void A_would_be_connection(string text, string? protocol, string? source, int? port)
    {
        var q = ConnectionQuery.Parse(text);
        Assert.Equal(protocol, q.Protocol);
        Assert.Equal(source, q.Source?.ToString());
        Assert.Equal(port, q.DestinationPort);
        Assert.Equal("93.184.216.34", q.Destination.ToString());
        Assert.False(q.IsWhole);
    }

    [Fact]
    public void A_port_without_a_protocol_means_tcp() =>
        Assert.Equal("tcp", ConnectionQuery.Parse("93.184.216.34:443").Protocol);

    [Fact]
    public void IPv6_with_and_without_ports()
    {
        Assert.Equal(IPAddress.Parse("2001:db8::1"), ConnectionQuery.Parse("2001:db8::1").Destination);
        var q = ConnectionQuery.Parse("tcp [2001:db8::2]:40000 -> [2001:db8::1]:443");
        Assert.Equal(443, q.DestinationPort);
        Assert.Equal(40000, q.SourcePort);
        Assert.Equal("tcp [2001:db8::2]:40000 -> [2001:db8::1]:443", q.ToString());
        // Brackets without a port, as ss and ip print an address: was "'[2001:db8::1]' is not an address or ADDRESS:PORT".
        Assert.Equal(IPAddress.Parse("2001:db8::1"), ConnectionQuery.Parse("udp [2001:db8::1]").Destination);
        Assert.Null(ConnectionQuery.Parse("[2001:db8::1] from [2001:db8::2]").DestinationPort);
        Assert.False(ConnectionQuery.TryParse("[10.1.1.1]", out _, out _));
    }

    [Theory]
    [InlineData("", "is not a connection")]
    [InlineData("example.com", "is not an address")]
    [InlineData("tcp 10.1.1.1:99999", "port 99999 is out of range")]
    [InlineData("icmp 10.1.1.1:80", "has no ports")]
    [InlineData("tcp 10.9.0.2:1 -> 2001:db8::1", "different address families")]
    [InlineData("10.1", "is not an address")]
    [InlineData("tcp 10.9.0.2 10.1.1.1", "is not a connection")]
    public void Mistakes_are_explained(string text, string message)
    {
        Assert.False(ConnectionQuery.TryParse(text, out _, out var error));
        Assert.Contains(message, error);
    }
}
