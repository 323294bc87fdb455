using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Junction.Model;

namespace Junction.Explain;

/// <summary>
/// A connection as a person writes it for <c>junction explain</c>:
/// <c>tcp 10.9.0.2:51234 -> 93.184.216.34:443</c> (a whole connection, which may be live),
/// or a destination alone, <c>93.184.216.34</c>, <c>udp 93.184.216.34:53 from 10.9.0.2</c>
/// (a would-be connection). IPv6 endpoints with a port are written <c>[2001:db8::1]:443</c>.
/// </summary>
public sealed record ConnectionQuery(
    string? Protocol,
    IPAddress? Source,
    int? SourcePort,
    IPAddress Destination,
    int? DestinationPort)
{
    public const string Syntax = "[PROTOCOL] [SOURCE[:PORT] ->] DESTINATION[:PORT] [from SOURCE], e.g. 'tcp 10.9.0.2:51234 -> 93.184.216.34:443' or '93.184.216.34:443' (a port without a protocol means tcp)";

    /// <summary>Source, destination and both ports are known: conntrack may hold it.</summary>
    public bool IsWhole => Protocol is not null && Source is not null && SourcePort is not null && DestinationPort is not null;

    public AddressFamily Family => Destination.AddressFamily;

    public static ConnectionQuery Parse(string text) =>
        TryParse(text, out var query, out var error) ? query! : throw new FormatException(error);

    public static bool TryParse(string text, out ConnectionQuery? query, out string error)
    {
        query = null;
        var tokens = text.Replace("->", " -> ", StringComparison.Ordinal)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        string? protocol = null;
        if (tokens.Count > 0 && Vocabulary.Protocols.Contains(tokens[0].ToLowerInvariant()))
        {
            protocol = tokens[0].ToLowerInvariant();
            tokens.RemoveAt(0);
        }

        string? sourceText = null, destinationText;
        var arrow = tokens.IndexOf("->");
        var from = tokens.FindIndex(t => t.Equals("from", StringComparison.OrdinalIgnoreCase));
        if (arrow >= 0 && from < 0 && arrow == 1 && tokens.Count == 3)
        {
            sourceText = tokens[0];
            destinationText = tokens[2];
        }
        else if (arrow < 0 && from == 1 && tokens.Count == 3)
        {
            destinationText = tokens[0];
            sourceText = tokens[2];
        }
        else if (arrow < 0 && from < 0 && tokens.Count == 1)
            destinationText = tokens[0];
        else
        {
            error = $"'{text}' is not a connection: write {Syntax}";
            return false;
        }

        if (!TryEndpoint(destinationText, out var destination, out var dport))
        {
            error = BadEndpoint(destinationText);
            return false;
        }
        IPAddress? source = null;
        int? sport = null;
        if (sourceText is not null)
        {
            if (!TryEndpoint(sourceText, out source, out sport))
            {
                error = BadEndpoint(sourceText);
                return false;
            }
            if (source!.AddressFamily != destination!.AddressFamily)
            {
                error = $"{source} and {destination} are of different address families";
                return false;
            }
        }
        // A port with no protocol is almost always TCP (web, TLS, SSH); udp must be said.
        if ((sport ?? dport) is not null && protocol is null)
            protocol = "tcp";
        if ((sport ?? dport) is not null && protocol is "icmp" or "icmpv6")
        {
            error = $"{protocol} has no ports";
            return false;
        }
        query = new ConnectionQuery(protocol, source, sport, destination!, dport);
        error = "";
        return true;
    }

    private static string BadEndpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text[(colon + 1)..], out var port) && (port < 1 || port > 65535) && !text[..colon].Contains(':') | text.StartsWith('[')
            ? $"port {port} is out of range 1-65535"
            : $"'{text}' is not an address or ADDRESS:PORT";
    }

    private static bool TryEndpoint(string text, out IPAddress? address, out int? port)
    {
        port = null;
        // "[2001:db8::1]" is how the bracketed form reads without its port (as ip and ss print it).
        if (text.StartsWith('[') && text.EndsWith(']'))
        {
            if (TryAddress(text[1..^1], out address) && address!.AddressFamily == AddressFamily.InterNetworkV6) return true;
            address = null;
            return false;
        }
        // A bare IPv6 address has colons but no brackets; it has no port.
        if (!text.StartsWith('[') && text.Count(c => c == ':') > 1)
            return TryAddress(text, out address);
        var colon = text.LastIndexOf(':');
        var host = colon < 0 ? text : text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (text.StartsWith('[')) { address = null; return false; }
        if (colon >= 0)
        {
            if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                address = null;
                return false;
            }
            port = p;
        }
        return TryAddress(host, out address);
    }

    private static bool TryAddress(string text, out IPAddress? address)
    {
        // IPAddress.TryParse also takes inet_aton forms ("1.2") and zone ids; people mean neither.
        if (IPAddress.TryParse(text, out address) && !text.Contains('%')
            && (address.AddressFamily == AddressFamily.InterNetworkV6 || text.Count(c => c == '.') == 3))
            return true;
        address = null;
        return false;
    }

    public override string ToString()
    {
        static string End(IPAddress a, int? p) => p is null ? a.ToString() : new IPEndPoint(a, p.Value).ToString();
        var proto = Protocol is null ? "" : Protocol + " ";
        return Source is null ? $"{proto}{End(Destination, DestinationPort)}" : $"{proto}{End(Source, SourcePort)} -> {End(Destination, DestinationPort)}";
    }
}
