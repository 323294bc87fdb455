using System.Text.RegularExpressions;

namespace Junction.Lab;

/// <summary>What lab to build. Every count is bounded so a typo cannot make thousands of namespaces.</summary>
public sealed partial record LabOptions
{
    public const string DefaultPrefix = "jlab";
    /// <summary>64, so benchmarks can show how the rule sets scale; each uplink costs one ISP namespace and two veth pairs.</summary>
    public const int MaxUplinks = 64;
    public const int MaxClients = 50;
    public const int MaxExtraClientAddresses = 250;
    public const int MaxExtraWanAddresses = 3;

    /// <summary>Starts every namespace name (<c>PREFIX-router</c>), so several labs can live side by side.</summary>
    public string Prefix { get; init; } = DefaultPrefix;

    /// <summary>ISPs, each with its own uplink <c>wanI</c> on the router.</summary>
    public int Uplinks { get; init; } = 2;

    /// <summary>Client namespaces on the router's LAN.</summary>
    public int Clients { get; init; } = 1;

    /// <summary>
    /// Extra source addresses on each client (client K gets 10.9.K.1..N, routed to it by the
    /// router), so one namespace can stand for many clients in hash-source tests.
    /// </summary>
    public int ExtraClientAddresses { get; init; }

    /// <summary>Extra addresses 10.100.I.3.. on every <c>wanI</c>, for SNAT pool tests (at most 3).</summary>
    public int ExtraWanAddresses { get; init; } = MaxExtraWanAddresses;

    /// <summary>
    /// Whether each ISP masquerades toward the server, like a home ISP's CGNAT. Then the
    /// server sees 10.200.I.1 and needs no route back to the LAN. Without it the server sees
    /// the router's own source address (10.100.I.x), which SNAT pool tests want; the router
    /// must then SNAT, because the server has no route to 10.9.0.0/16.
    /// </summary>
    public bool IspMasquerade { get; init; } = true;

    /// <summary>
    /// Two routers instead of one, for a keepalived/conntrackd pair (see <see cref="HaLabBuilder"/>):
    /// the LAN and every ISP segment are bridges both routers join, plus a sync link
    /// between them. ISPs do not masquerade, so the server sees each uplink's virtual address.
    /// </summary>
    public bool Ha { get; init; }

    /// <summary>Every problem with these options, one line each; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!PrefixPattern().IsMatch(Prefix))
            problems.Add($"prefix '{Prefix}': use 1-12 lower-case letters and digits, starting with a letter (it starts every namespace name)");
        if (Uplinks is < 1 or > MaxUplinks)
            problems.Add($"uplinks {Uplinks}: use 1 to {MaxUplinks}");
        if (Clients is < 1 or > MaxClients)
            problems.Add($"clients {Clients}: use 1 to {MaxClients}");
        if (ExtraClientAddresses is < 0 or > MaxExtraClientAddresses)
            problems.Add($"extra client addresses {ExtraClientAddresses}: use 0 to {MaxExtraClientAddresses}");
        if (ExtraWanAddresses is < 0 or > MaxExtraWanAddresses)
            problems.Add($"extra wan addresses {ExtraWanAddresses}: use 0 to {MaxExtraWanAddresses} (10.100.I.3-5)");
        if (Ha && (ExtraWanAddresses != 0 || ExtraClientAddresses != 0 || IspMasquerade))
            problems.Add("ha: the pair's lab has no extra wan or client addresses and its ISPs do not masquerade (the server must see the virtual SNAT addresses)");
        if (Ha && Uplinks > 20)
            problems.Add($"uplinks {Uplinks}: an HA lab takes at most 20 (each uplink is a segment both routers join)");
        return problems;
    }

    [GeneratedRegex("^[a-z][a-z0-9]{0,11}$")]
    private static partial Regex PrefixPattern();
}
