using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Junction.Model;
using Junction.Planning;
using Junction.Planning.Nftables;

namespace Junction.Explain;

/// <summary>
/// Walks a connection through the rules of the <c>choose</c> chain the planner builds for
/// this health, the very rules the kernel gets, in their order, and says which one decides
/// and what it picks: the never-balanced networks and the bypass set as the table holds
/// them, the pins that have a rule, the slots of the balancing verdict map. Pure: the
/// health (unhealthy set) and this host's addresses are given. For hash modes the uplink is
/// computed with the kernel's own jhash (<see cref="NftJhash"/>); round-robin and random
/// picks depend on what came before, so only the candidates and their shares are known.
/// </summary>
public static class Explainer
{
    public static Explanation WouldBe(JunctionModel model, IReadOnlySet<string> unhealthy, ConnectionQuery query,
        IReadOnlyCollection<IPAddress>? localAddresses = null)
    {
        var e = Walk(model, unhealthy, query, localAddresses);
        return e.Decision is Decision.Pinned or Decision.Balanced ? e with { Source = Source(model, e, query.Destination.AddressFamily) } : e;
    }

    /// <summary>
    /// The source address the far end would see, from the uplink's <c>snat:</c> as the postrouting
    /// chain applies it: the uplink's if it is known, else each candidate's.
    /// </summary>
    private static string Source(JunctionModel model, Explanation e, AddressFamily family)
    {
        string Of(UplinkModel u)
        {
            var pool = u.Snat.Pool.Where(a => a.AddressFamily == family).ToList();
            return u.Snat.Mode switch
            {
                SnatMode.None => $"kept (snat: none; this host's own connections take {u.Interface}'s address)",
                // The pool's rule matches its family only; the other family is masqueraded.
                SnatMode.Pool when pool.Count > 0 => $"one of {string.Join(", ", pool)} ({Vocabulary.Spread.Word(u.Snat.Spread)})",
                _ => $"{u.Interface}'s address (masquerade)",
            };
        }
        var uplinks = (e.Uplink is { } one ? new[] { one } : e.Candidates.Select(c => c.Uplink).ToArray()).Select(n => model.Uplinks.First(u => u.Name == n)).ToList();
        if (uplinks.Count == 1) return Of(uplinks[0]);
        return uplinks.All(u => u.Snat.Mode == SnatMode.Masquerade)
            ? "the address of the chosen uplink's interface (masquerade)"
            : string.Join("; ", uplinks.Select(u => $"via {u.Name}: {Of(u)}"));
    }

    private static Explanation Walk(JunctionModel model, IReadOnlySet<string> unhealthy, ConnectionQuery query,
        IReadOnlyCollection<IPAddress>? localAddresses)
    {
        var steps = new List<string>();
        var text = query.ToString();
        Explanation Stop(Decision d, string rule, string step, string? uplink = null, IReadOnlyList<Candidate>? candidates = null)
        {
            steps.Add(step);
            return new Explanation(text, d, uplink, rule, steps, candidates ?? []);
        }

        if (model.Lan.Count == 0 && !model.Local)
            return Stop(Decision.NotHandled, "none", "nothing is balanced: 'lan' is empty and 'local' is false");
        steps.Add(model.Lan.Count == 0
            ? "applies to connections this host opens (local: true)"
            : $"applies to new connections arriving on {string.Join(", ", model.Lan)}{(model.Local ? " and to those this host opens" : " (local: false: not to this host's own)")}");

        var d = query.Destination;
        var plan = Planner.Plan(model, unhealthy);
        var rules = plan.Nft.Chain(ChoosePlanner.Name)!.Rules.ToList();
        var ip = d.AddressFamily == AddressFamily.InterNetwork ? "ip" : "ip6";
        foreach (var returning in rules.TakeWhile(r => r.Comment is null && r.Statements[^1] == NftVerdict.Return))
        {
            switch (returning.Statements[0])
            {
                case NftMatch { Left: NftFib }:
                    if (localAddresses?.Contains(d) == true)
                        return Stop(Decision.NeverBalanced, "never-balanced local", $"{d} is an address of this host: never balanced");
                    if (d.Equals(IPAddress.Broadcast))
                        return Stop(Decision.NeverBalanced, "never-balanced broadcast", $"{d} is the broadcast address: never balanced");
                    break;
                case NftMatch { Left: NftPayload { Field: "daddr" } p, Right: NftSetLiteral set } when p.Protocol == ip:
                    foreach (var network in set.Elements.Select(Network))
                        if (network.Contains(d))
                        {
                            var what = NeverBalancedNetwork.All.First(n => n.Network == network).What;
                            return Stop(Decision.NeverBalanced, $"never-balanced {network}", $"{d} is {what} ({network}): never balanced, it follows the main routing table");
                        }
                    break;
                case NftMatch { Left: NftPayload { Field: "daddr" } p, Right: NftSetRef named } when p.Protocol == ip:
                    if (plan.Nft.Set(named.Name)!.Elements.Select(Network).Where(n => n.Contains(d)).Cast<IPNetwork?>().FirstOrDefault() is { } bypass)
                        return Stop(Decision.Bypass, $"bypass {bypass}", $"{d} is in bypass {bypass}: not balanced, it follows the main routing table");
                    break;
                case NftMatch { Left: NftPayload { Protocol: "icmpv6", Field: "type" } } when query.Protocol == "icmpv6":
                    // The query has no ICMPv6 type to decide by: say what the rule does, assume the usual case.
                    steps.Add("ICMPv6 neighbour discovery (router and neighbour solicitations and advertisements, redirects) is never balanced: assuming another type, such as an echo request");
                    break;
            }
        }

        // The guard after the never-balanced rules: only a SYN may open a TCP connection. Said for a
        // whole connection, the one a person asks about when it is under way (conntrack may have lost it).
        if (query.Protocol == "tcp" && query.IsWhole && rules.FirstOrDefault(IsSynGuard) is { } guard)
            steps.Add(guard.Statements[^1] is NftReject
                ? "a TCP packet other than a SYN is not balanced: without a conntrack entry it is answered with a reset (the client reconnects); explained as the SYN that opens the connection"
                : "a TCP packet other than a SYN is not balanced: without a conntrack entry it is dropped (ha: conntrackd may still commit the entry it belongs to); explained as the SYN that opens the connection");

        for (var i = 0; i < model.Pins.Count; i++)
        {
            var pin = model.Pins[i];
            var (matches, unknown) = Match(pin, query);
            if (!matches) continue;
            if (unknown.Count > 0)
            {
                steps.Add($"pin[{i}] ({Describe(pin)}) applies only if the connection's {string.Join(" and ", unknown)} match{(unknown.Count == 1 ? "es" : "")}: give them to decide; assuming it does not");
                continue;
            }
            if (!rules.Any(r => r.Comment == $"pin[{i}]"))
            {
                steps.Add($"pin[{i}] ({Describe(pin)}) matches, but uplink '{pin.Via}' is down: the connection is balanced instead");
                continue;
            }
            return Stop(Decision.Pinned, $"pin[{i}]", $"pin[{i}] ({Describe(pin)}) matches: always uplink '{pin.Via}'", pin.Via);
        }

        var family = d.AddressFamily == AddressFamily.InterNetwork ? Families.IPv4 : Families.IPv6;
        var familyName = family == Families.IPv4 ? "IPv4" : "IPv6";
        if (!model.Uplinks.Any(u => u.Families.HasFlag(family)))
            return Stop(Decision.NotHandled, "none", $"no uplink carries {familyName}: the connection is not marked and follows the main routing table");
        var slots = Slots(plan, rules, family);
        if (slots.Length == 0)
            return Stop(Decision.Fallback, "fallback", $"no uplink carrying {familyName} is healthy: the connection is not marked and follows the main routing table");

        if (model.Tiered) steps.Add(TierStep(model, slots, family, familyName));

        var candidates = model.Uplinks.Select((u, i) => new Candidate(u.Name, slots.Count(s => s == i) / (double)slots.Length))
            .Where(c => c.Share > 0).ToList();
        var shares = string.Join(", ", candidates.Select(c => $"{c.Uplink} {c.Share.ToString("P0", CultureInfo.InvariantCulture)}"));
        var rule = $"balance {Vocabulary.Balance.Word(model.Balance)}";
        // One uplink owns every slot: whatever the mode, that is the answer ("one of office
        // (100 %)" and "which one depends on the connections before it" said otherwise).
        if (candidates.Count == 1)
            return Stop(Decision.Balanced, rule, $"balanced by {Planner.Describe(model.Balance)}, but '{candidates[0].Uplink}' is the only uplink it balances over{(model.Tiered ? " in this tier" : "")} for {familyName}: every new connection takes it",
                candidates[0].Uplink, candidates);
        switch (model.Balance)
        {
            case BalanceMode.RoundRobin:
                return Stop(Decision.Balanced, rule, $"balanced round-robin over {slots.Length} slots: it takes the next slot of the cycle ({shares}); which one depends on the connections before it", null, candidates);
            case BalanceMode.Random:
                return Stop(Decision.Balanced, rule, $"balanced at random over {slots.Length} slots ({shares})", null, candidates);
        }

        var bySource = model.Balance == BalanceMode.HashSource;
        if (query.Source is not { } source)
            return Stop(Decision.Balanced, rule, $"balanced by a hash of the source{(bySource ? "" : " and destination")} over {slots.Length} slots ({shares}): give 'from ADDRESS' to compute which", null, candidates);
        var fields = bySource ? new[] { source } : new[] { source, d };
        var slot = NftJhash.Slot(fields, slots.Length, Planner.HashSeed);
        var owner = model.Uplinks[slots[slot]].Name;
        return Stop(Decision.Balanced, rule,
            $"balanced by jhash of {(bySource ? source.ToString() : $"{source} . {d}")} (seed 0x{Planner.HashSeed:x}) mod {slots.Length} = slot {slot}, owned by uplink '{owner}'",
            owner, candidates);
    }

    /// <summary>
    /// A live connection: its mark says which uplink it uses, its reply tuple which source
    /// address the far end sees; the rule that set the mark is inferred by walking the
    /// original direction through the current table.
    /// </summary>
    public static Explanation Live(JunctionModel model, IReadOnlySet<string> unhealthy, TrackedConnection c,
        IReadOnlyCollection<IPAddress>? localAddresses = null)
    {
        var marks = model.Marks;
        var junctionMark = c.Mark & marks.Mask;
        var uplink = model.Uplinks.FirstOrDefault(u => marks.Value(u.Id) == junctionMark);
        var seen = new LiveConnection(c.State, c.Mark, junctionMark, uplink?.Name, c.ReplyDestination.ToString(), c.ReplyDestinationPort, c.SourceNatted);
        // The rule that marked it, without a would-be source: conntrack says which source it has.
        var would = Walk(model, unhealthy, c.Query, localAddresses);
        var steps = new List<string>
        {
            $"conntrack holds it{(c.State is null ? "" : $" ({c.State})")} with mark 0x{c.Mark:x8}: Junction's bits ({marks.Hex(marks.Mask)}) are 0x{junctionMark:x8}",
        };
        var nat = c.SourceNatted ? $"; its source is rewritten to {Endpoint(c.ReplyDestination, c.ReplyDestinationPort)}" : "; its source is not rewritten";

        if (junctionMark == 0)
        {
            steps.Add($"not marked: it follows the main routing table{nat}");
            steps.Add(would.Decision is Decision.Pinned or Decision.Balanced
                ? $"the current table would mark such a connection ({would.Rule}): this one was opened before Junction's table was applied, or did not arrive on a LAN interface"
                : $"as the current table decides: {would.Steps[^1]}");
            return would with { Decision = would.Decision is Decision.Pinned or Decision.Balanced ? Decision.NotHandled : would.Decision, Uplink = null, Steps = steps, Live = seen };
        }
        if (uplink is null)
        {
            steps.Add($"no uplink of the configuration has mark 0x{junctionMark:x8}: it was marked under another configuration{nat}");
            return would with { Decision = Decision.NotHandled, Uplink = null, Rule = "unknown mark", Steps = steps, Live = seen };
        }

        steps.Add($"the mark is uplink '{uplink.Name}' ({uplink.Interface}, table {marks.Table(uplink.Id)}){nat}");
        if (localAddresses?.Contains(c.Destination) == true)
        {
            steps.Add($"it was opened toward this host ({c.Destination}): connections arriving on an uplink keep it, so replies leave the way they came");
            return would with { Decision = Decision.Inbound, Uplink = uplink.Name, Rule = "inbound", Steps = steps, Live = seen };
        }
        if (would.Uplink == uplink.Name || would.Decision == Decision.Balanced && would.Uplink is null && would.Candidates.Any(x => x.Uplink == uplink.Name))
            steps.Add($"set by {would.Rule}: {would.Steps[^1]}");
        else
            steps.Add($"the current table would decide otherwise ({would.Rule}{(would.Uplink is null ? "" : $" → '{would.Uplink}'")}): the mark was set under an earlier plan (a health change or a reload), or the connection arrived on '{uplink.Interface}'");
        return would with { Uplink = uplink.Name, Steps = steps, Live = seen };
    }

    /// <summary>
    /// The owner (index into the uplinks) of each slot of the verdict map that balances this
    /// family: the one behind <c>meta nfproto</c> of the family, or the one without (every
    /// uplink carries every family); empty when the chain has none (nothing healthy).
    /// </summary>
    private static int[] Slots(DesiredState plan, IReadOnlyList<NftRule> rules, Families family)
    {
        var word = family == Families.IPv4 ? "ipv4" : "ipv6";
        foreach (var rule in rules)
        {
            if (rule.Statements[^1] is not NftVmap { Key: NftNumgen or Planning.Nftables.NftJhash } vmap) continue;
            var proto = rule.Statements.OfType<NftMatch>().FirstOrDefault(m => m.Left == NftMeta.Nfproto)?.Right;
            if (proto is NftSymbol s && s.Name != word) continue;
            return [.. vmap.Entries.Select(e => plan.Uplinks.ToList().FindIndex(u => u.MarkChain == e.Verdict.Chain))];
        }
        return [];
    }

    /// <summary>The rule that refuses mid-stream TCP packets without a conntrack entry (a reset, or a drop on an HA router).</summary>
    private static bool IsSynGuard(NftRule rule) =>
        rule.Statements[0] is NftMatch { Left: NftBinary { Left: NftPayload { Protocol: "tcp", Field: "flags" } } }
        && (rule.Statements[^1] is NftReject || rule.Statements[^1] == NftVerdict.Drop);

    private static IPNetwork Network(NftExpr e) => e switch
    {
        NftPrefix p => p.Network,
        NftAddress a => new IPNetwork(a.Address, a.Address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128),
        _ => throw new ArgumentException($"not a network: {e}"),
    };

    /// <summary>Which tier takes the connection, and why not a better one.</summary>
    private static string TierStep(JunctionModel model, int[] slots, Families family, string familyName)
    {
        var tier = model.Uplinks[slots.First(s => s >= 0)].Tier;
        var carriers = model.Uplinks.Where(u => u.Families.HasFlag(family)).ToList();
        var better = carriers.Where(u => u.Tier < tier).Select(u => u.Name).ToList();
        var worse = carriers.Where(u => u.Tier > tier).Select(u => $"{u.Name} (tier {u.Tier})").ToList();
        var step = better.Count == 0
            ? $"tier {tier} has a healthy uplink for {familyName}: only tier {tier} takes new connections"
            : $"every better uplink for {familyName} is down ({string.Join(", ", better)}): tier {tier} takes new connections";
        return worse.Count == 0 ? step : $"{step}; in reserve: {string.Join(", ", worse)}";
    }

    private static (bool Matches, List<string> Unknown) Match(PinModel pin, ConnectionQuery q)
    {
        var unknown = new List<string>();
        // The pin's rule matches 'ip' or 'ip6' addresses: a connection of the other family never meets it,
        // whatever its source, which an IPv6 query without one would otherwise leave open.
        if ((pin.To ?? pin.From) is { } net && net.BaseAddress.AddressFamily != q.Destination.AddressFamily) return (false, unknown);
        if (pin.To is { } to && !to.Contains(q.Destination)) return (false, unknown);
        if (pin.From is { } from)
        {
            if (q.Source is null) unknown.Add($"source (pin: {from})");
            else if (!from.Contains(q.Source)) return (false, unknown);
        }
        if (pin.Protocol is { } p)
        {
            if (q.Protocol is null) unknown.Add($"protocol (pin: {p})");
            else if (q.Protocol != p) return (false, unknown);
        }
        if (pin.PortFirst is { } first)
        {
            if (q.DestinationPort is not { } port) unknown.Add($"destination port (pin: {first}{(pin.PortLast == first ? "" : $"-{pin.PortLast}")})");
            else if (port < first || port > pin.PortLast) return (false, unknown);
        }
        return (true, unknown);
    }

    private static string Describe(PinModel pin)
    {
        var parts = new List<string>();
        if (pin.To is { } to) parts.Add($"to {to}");
        if (pin.From is { } from) parts.Add($"from {from}");
        if (pin.Protocol is { } p) parts.Add(p);
        if (pin.PortFirst is { } first) parts.Add(pin.PortLast == first ? $"port {first}" : $"port {first}-{pin.PortLast}");
        return string.Join(" ", parts);
    }

    private static string Endpoint(IPAddress a, int? port) => port is null ? a.ToString() : new IPEndPoint(a, port.Value).ToString();
}
