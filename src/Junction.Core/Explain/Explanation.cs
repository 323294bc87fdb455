using System.Net;
using System.Text.Json.Serialization;
using Junction.Status;

namespace Junction.Explain;

/// <summary>Which part of Junction's table decides a connection's way out.</summary>
public enum Decision
{
    /// <summary>Junction never balances it: this host, loopback, link-local, multicast, broadcast.</summary>
    NeverBalanced,
    /// <summary>Its destination is listed under <c>bypass:</c>: it follows the main table.</summary>
    Bypass,
    /// <summary>A <c>pin:</c> entry sends it to one uplink.</summary>
    Pinned,
    /// <summary>The balancer picks its uplink.</summary>
    Balanced,
    /// <summary>No uplink that could carry it is healthy: it follows the main table.</summary>
    Fallback,
    /// <summary>Junction does not look at it at all (no uplink of its family, nothing balanced).</summary>
    NotHandled,
    /// <summary>A live connection that arrived on an uplink: it keeps that uplink.</summary>
    Inbound,
}

/// <summary>An uplink the balancer may pick, with its planned share of new connections.</summary>
public sealed record Candidate(string Uplink, double Share);

/// <summary>
/// The answer of <c>junction explain</c>: the decision, the uplink (null: the main routing
/// table decides), the rule that decided, and the reasoning step by step for people.
/// <see cref="Source"/>: for a would-be connection Junction marks, the source address it
/// would leave with (a live one has <see cref="LiveConnection.SeenSource"/> instead).
/// </summary>
public sealed record Explanation(
    string Connection,
    Decision Decision,
    string? Uplink,
    string Rule,
    IReadOnlyList<string> Steps,
    IReadOnlyList<Candidate> Candidates,
    LiveConnection? Live = null,
    string? Source = null);

/// <summary>A connection conntrack holds, as far as explaining it needs.</summary>
public sealed record TrackedConnection(
    string Protocol,
    string? State,
    IPAddress Source,
    int? SourcePort,
    IPAddress Destination,
    int? DestinationPort,
    IPAddress ReplySource,
    IPAddress ReplyDestination,
    int? ReplySourcePort,
    int? ReplyDestinationPort,
    uint Mark)
{
    /// <summary>The connection's original direction, as a query.</summary>
    public ConnectionQuery Query => new(Protocol, Source, SourcePort, Destination, DestinationPort);

    /// <summary>Whether the source was rewritten (SNAT/masquerade): replies come back to another address.</summary>
    public bool SourceNatted => !ReplyDestination.Equals(Source) || ReplyDestinationPort != SourcePort;
}

/// <summary>What conntrack says about a live connection.</summary>
public sealed record LiveConnection(
    string? State,
    // Hex strings, as every mark in status and plan JSON (docs/operations.md says so).
    [property: JsonConverter(typeof(StatusJson.HexMarkConverter))] uint Mark,
    [property: JsonConverter(typeof(StatusJson.HexMarkConverter))] uint JunctionMark,
    string? Uplink,
    /// <summary>The source address the far end sees (the reply tuple's destination).</summary>
    string SeenSource,
    int? SeenSourcePort,
    bool SourceNatted);
