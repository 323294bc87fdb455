using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Junction.Balancing;
using Junction.Model;

namespace Junction.Planning;

/// <summary>
/// The pure heart of Junction: configuration + which uplinks are healthy → the kernel
/// state that balances new connections over the healthy ones. No I/O; the same inputs
/// always give the same text, so re-applying an unchanged plan changes nothing.
/// </summary>
public static class Planner
{
    /// <summary>
    /// Fixed so that re-applying the table (after a reload or health change) hashes every
    /// client to the same slot as before; only the slot's owner may change.
    /// </summary>
    public const uint HashSeed = 0x4a6e6374;

    /// <summary>Destinations that are never balanced whatever the configuration says.</summary>
    internal static readonly string[] NeverBalanced4 = ["127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/3"];
    internal static readonly string[] NeverBalanced6 = ["::1", "fe80::/10", "ff00::/8"];

    /// <param name="unhealthy">uplinks that get no new connections.</param>
    /// <param name="unroutable">
    /// uplinks whose interface cannot take a route right now (absent, down, without carrier
    /// or without an address). They count as unhealthy, and their default routes and
    /// rp_filter sysctl are left out of the plan: the kernel refuses
    /// <c>ip route replace default via GW dev X</c> when X is down or has lost its address,
    /// and a missing interface has no sysctl, either of which would fail (and roll back) the
    /// whole apply. Their ip rules stay, so probes keep their way out. The daemon re-plans
    /// when the interface is usable again and the routes come back.
    /// </param>
    public static DesiredState Plan(JunctionModel model, IReadOnlySet<string>? unhealthy = null, IReadOnlySet<string>? unroutable = null)
    {
        unroutable ??= new HashSet<string>();
        unhealthy = unroutable.Count == 0 ? unhealthy ?? new HashSet<string>() : new HashSet<string>((unhealthy ?? new HashSet<string>()).Concat(unroutable));
        // Shares are reported for IPv4 when any uplink carries it, else for IPv6.
        var primary = model.Families.HasFlag(Families.IPv4) ? Families.IPv4 : Families.IPv6;
        var healthy = model.Uplinks.Select(u => !unhealthy.Contains(u.Name)).ToArray();
        var slots = BalanceSlots(model, healthy.Select((h, i) => h && model.Uplinks[i].Families.HasFlag(primary)).ToArray());
        var uplinks = model.Uplinks.Select((u, i) => new UplinkPlan(
            u.Name, u.Interface, u.Id, model.Marks.Value(u.Id), model.Marks.Table(u.Id), u.Weight, healthy[i],
            slots.Count(s => s == i), slots.Count(s => s >= 0), u.Snat) { Tier = u.Tier, Reserve = healthy[i] && Reserve(model, healthy, u) }).ToList();

        return new DesiredState(
            NftTable(model, uplinks, slots),
            Rules(model),
            Routes(model, unroutable),
            Sysctls(model, unroutable),
            uplinks,
            model.Balance,
            model.Marks);
    }

    /// <summary>
    /// The owner (index into the model's uplinks) of each balancing slot; -1 marks a slot
    /// with no owner (every uplink down).
    /// </summary>
    internal static int[] BalanceSlots(JunctionModel model, IReadOnlyList<bool> healthy)
    {
        // Only the best tier with a healthy uplink is balanced over; the table of a hash mode
        // is built from that tier's members alone, so its size and slots do not change while
        // the tier stays active, and a failed member's slots are the only ones that move.
        var members = TierSelector.Members(model.Uplinks.Select(u => u.Tier).ToArray(), healthy);
        var weights = members.Select(i => model.Uplinks[i].Weight).ToArray();
        if (model.Balance is BalanceMode.HashSource or BalanceMode.HashSourceDestination)
            return ConsistentSlotTable.Build(
                members.Select(i => model.Uplinks[i].Name).ToArray(), weights, members.Select(i => healthy[i]).ToArray(), ConsistentSlotTable.SizeFor(weights))
                .Select(s => s < 0 ? -1 : members[s]).ToArray();

        var alive = members.Where(i => healthy[i]).ToArray();
        return SmoothWeightedRoundRobin.Slots(alive.Select(i => model.Uplinks[i].Weight).ToArray()).Select(s => alive[s]).ToArray();
    }

    /// <summary>
    /// A healthy uplink that gets no new connections because a better tier has a healthy
    /// uplink for every family it carries.
    /// </summary>
    private static bool Reserve(JunctionModel model, IReadOnlyList<bool> healthy, UplinkModel uplink)
    {
        var tiers = model.Uplinks.Select(u => u.Tier).ToArray();
        return new[] { Families.IPv4, Families.IPv6 }.Where(f => uplink.Families.HasFlag(f)).All(f =>
            TierSelector.Active(tiers, model.Uplinks.Select((u, i) => healthy[i] && u.Families.HasFlag(f)).ToArray()) < uplink.Tier);
    }

    private static string NftTable(JunctionModel model, IReadOnlyList<UplinkPlan> uplinks, int[] slots)
    {
        var m = model.Marks;
        var mask = m.Hex(m.Mask);
        var keep = m.Hex(~m.Mask);
        var w = new NftWriter();
        w.Open($"table {DesiredState.TableFamily} {DesiredState.TableName}");
        w.Line("# Generated by Junction; replaced as a whole on every apply. 'junction flush' removes it.");
        w.Line($"# Junction owns only the mark bits {mask}; other bits of packet and conntrack marks are kept.");

        var bypass4 = model.Bypass.Where(n => n.BaseAddress.AddressFamily == AddressFamily.InterNetwork).ToList();
        var bypass6 = model.Bypass.Where(n => n.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6).ToList();
        if (bypass4.Count > 0)
            w.Line().Line($"set bypass4 {{ type ipv4_addr; flags interval; elements = {{ {string.Join(", ", bypass4)} }} }}");
        if (bypass6.Count > 0)
            w.Line().Line($"set bypass6 {{ type ipv6_addr; flags interval; elements = {{ {string.Join(", ", bypass6)} }} }}");

        // Ingress: remember the uplink of connections that arrive from outside, and balance the LAN's.
        w.Line().Open("chain prerouting");
        w.Line("type filter hook prerouting priority mangle; policy accept;");
        if (model.Ha is not null)
        {
            // A reply from the internet that reaches the new master before conntrackd
            // committed its connection is addressed to a virtual address with no socket
            // behind it: the kernel would answer with a reset and kill the connection at the
            // far end. Dropped unconfirmed, its retransmission finds the committed entry.
            w.Line("# ha: a TCP packet that opens nothing (its connection not committed here yet) is dropped, never answered with a reset");
            w.Line("ct state new tcp flags & (syn | ack) != syn counter drop");
        }
        w.Line("# connections arriving on an uplink keep its mark, so replies leave the way they came");
        w.Line($"ct state new ct mark & {mask} == 0 iifname vmap {{ {string.Join(", ", uplinks.Select(u => $"{Quote(u.Interface)} : goto {MarkChain(u)}"))} }}");
        if (model.Lan.Count > 0)
            w.Line($"iifname {{ {string.Join(", ", model.Lan.Select(Quote))} }} jump lan");
        w.Close();

        if (model.Lan.Count > 0)
        {
            w.Line().Open("chain lan");
            w.Line("# choose once per connection, then restore the choice on every packet (replies from uplinks are not restored)");
            w.Line($"ct state new ct mark & {mask} == 0 jump choose");
            w.Line(RestoreDispatch(uplinks, mask));
            w.Close();
        }

        w.Line().Open("chain output");
        w.Line("type route hook output priority mangle; policy accept;");
        // Any socket mark, not only Junction's bits: probes carry their uplink's, and tools
        // such as wg-quick mark their own tunnel traffic to route it themselves.
        w.Line("# sockets that carry a mark (health probes, WireGuard and other tools) keep their own routing");
        w.Line("meta mark != 0 return");
        if (model.Local)
        {
            // oifname here is the main table's choice, before any re-route: balancing only what
            // would leave by an uplink keeps a tunnel's own carrier traffic (to its far end,
            // through the physical link) and traffic to local networks where it belongs.
            w.Line("# balance what the main table would send out of an uplink; a tunnel's carrier traffic and local networks stay put");
            w.Line($"oifname {{ {string.Join(", ", uplinks.Select(u => Quote(u.Interface)))} }} ct state new ct mark & {mask} == 0 jump choose");
        }
        else
            w.Line("# local: false - connections this host originates are not balanced");
        w.Line(RestoreDispatch(uplinks, mask));
        w.Close();

        WriteChoose(w, model, uplinks, slots);

        foreach (var u in uplinks)
        {
            w.Line().Open($"chain {MarkChain(u)}");
            w.Line($"counter ct mark set ct mark & {keep} | {m.Hex(u.Mark)} comment {Quote(u.Name)}");
            w.Close();
            w.Line().Open($"chain {RestoreChain(u)}");
            w.Line($"meta mark set meta mark & {keep} | {m.Hex(u.Mark)}");
            w.Close();
        }

        WriteSnat(w, model, uplinks, mask);
        w.Close();
        return w.ToString();
    }

    private static void WriteChoose(NftWriter w, JunctionModel model, IReadOnlyList<UplinkPlan> uplinks, int[] slots)
    {
        w.Line().Open("chain choose");
        w.Line("# never balanced: this host, broadcast, multicast, link-local, loopback");
        w.Line("fib daddr type { local, broadcast, multicast } return");
        w.Line($"ip daddr {{ {string.Join(", ", NeverBalanced4)} }} return");
        w.Line($"ip6 daddr {{ {string.Join(", ", NeverBalanced6)} }} return");
        w.Line("icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect } return");
        if (model.Bypass.Any(n => n.BaseAddress.AddressFamily == AddressFamily.InterNetwork))
            w.Line("ip daddr @bypass4 return");
        if (model.Bypass.Any(n => n.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6))
            w.Line("ip6 daddr @bypass6 return");
        WritePickupGuard(w, model);

        for (var i = 0; i < model.Pins.Count; i++)
        {
            var pin = model.Pins[i];
            var target = uplinks.First(u => u.Name == pin.Via);
            var match = PinMatch(pin);
            if (target.Healthy)
                w.Line($"{match} goto {MarkChain(target)} comment {Quote($"pin[{i}]")}");
            else
                w.Line($"# pin[{i}] ({match}) skipped: uplink '{pin.Via}' is down, so these connections are balanced");
        }

        // Each family is balanced over the uplinks that carry it; one rule serves both
        // when every uplink carries every family in use.
        var families = model.Families == Families.Dual && model.Uplinks.Any(u => u.Families != Families.Dual)
            ? new[] { Families.IPv4, Families.IPv6 }
            : new[] { model.Families };
        foreach (var family in families)
        {
            var familySlots = family == model.Families ? slots : BalanceSlots(model, Healthy(model, uplinks, family));
            var only = family == Families.Dual ? "" : $"meta nfproto {(family == Families.IPv4 ? "ipv4" : "ipv6")} ";
            var what = family == Families.Dual ? "" : $" for {(family == Families.IPv4 ? "IPv4" : "IPv6")}";
            if (familySlots.All(s => s < 0))
            {
                w.Line($"# no uplink{what} is healthy: new connections are not marked and follow the main routing table");
                continue;
            }
            w.Line($"# {Describe(model.Balance)}{what} over {familySlots.Length} slots{TierNote(model, familySlots)}");
            var map = SlotMap(familySlots, uplinks);
            var n = familySlots.Length;
            var seed = $"seed 0x{HashSeed:x}";
            switch (model.Balance)
            {
                case BalanceMode.RoundRobin:
                    w.Line($"{only}numgen inc mod {n} vmap {map}");
                    break;
                case BalanceMode.Random:
                    w.Line($"{only}numgen random mod {n} vmap {map}");
                    break;
                default:
                    var v4 = model.Balance == BalanceMode.HashSource ? "ip saddr" : "ip saddr . ip daddr";
                    var v6 = model.Balance == BalanceMode.HashSource ? "ip6 saddr" : "ip6 saddr . ip6 daddr";
                    if (family.HasFlag(Families.IPv4))
                        w.Line($"meta nfproto ipv4 jhash {v4} mod {n} {seed} vmap {map}");
                    if (family.HasFlag(Families.IPv6))
                        w.Line($"meta nfproto ipv6 jhash {v6} mod {n} {seed} vmap {map}");
                    break;
            }
        }
        w.Close();
    }

    /// <summary>Which tier the slots belong to and which tiers wait in reserve; nothing without tiers.</summary>
    private static string TierNote(JunctionModel model, int[] slots)
    {
        if (!model.Tiered) return "";
        var tier = model.Uplinks[slots.First(s => s >= 0)].Tier;
        var reserve = model.Uplinks.Where(u => u.Tier > tier).Select(u => u.Name).ToList();
        return $" of tier {tier}{(reserve.Count == 0 ? "" : $" ({string.Join(", ", reserve)} in reserve)")}";
    }

    /// <summary>
    /// Only a SYN opens a TCP connection. Conntrack also makes a "new" entry for a mid-stream
    /// packet it has no entry for (after a flush, a reboot, or on a standby router before
    /// conntrackd committed the peer's entries); balancing that packet would send an
    /// established connection out of a possibly different uplink with another source
    /// address. It is refused instead, before any entry is confirmed: a single router
    /// answers with a TCP reset, so the client fails at once and reconnects; a router of an
    /// HA pair drops it, so the client's retransmission finds the entry conntrackd commits
    /// a moment later. UDP has no handshake to tell a first packet from a later one: it is
    /// balanced as new (see docs/high-availability.md).
    /// </summary>
    private static void WritePickupGuard(NftWriter w, JunctionModel model)
    {
        if (model.Ha is null)
            w.Line("# a TCP packet other than a SYN cannot open a connection (its conntrack entry was flushed or lost): reset, never balance");
        else
            w.Line("# a TCP packet other than a SYN cannot open a connection: drop it unbalanced, so its retransmission finds the entry conntrackd commits");
        w.Line($"tcp flags & (syn | ack) != syn {(model.Ha is null ? "reject with tcp reset" : "drop")}");
    }

    private static bool[] Healthy(JunctionModel model, IReadOnlyList<UplinkPlan> uplinks, Families family) =>
        model.Uplinks.Select((u, i) => uplinks[i].Healthy && u.Families.HasFlag(family)).ToArray();

    /// <summary>
    /// Source NAT in two lookups whatever the number of uplinks: a verdict map sends
    /// connections leaving a pool uplink to that uplink's pool chain (a NAT statement ends
    /// the evaluation), and one set match masquerades everything else leaving a
    /// masquerading or pool uplink.
    /// </summary>
    private static void WriteSnat(NftWriter w, JunctionModel model, IReadOnlyList<UplinkPlan> uplinks, string mask)
    {
        var pools = uplinks.Where(u => u.Snat.Mode == SnatMode.Pool).ToList();
        var masquerade = uplinks.Where(u => u.Snat.Mode != SnatMode.None).ToList();

        w.Line().Open("chain postrouting");
        w.Line("type nat hook postrouting priority srcnat; policy accept;");
        foreach (var u in uplinks.Where(u => u.Snat.Mode == SnatMode.None))
            w.Line($"# {u.Name}: snat none - connections keep their source address");
        if (pools.Count > 0)
            w.Line($"oifname vmap {{ {string.Join(", ", pools.Select(u => $"{Quote(u.Interface)} : jump {SnatChain(u)}"))} }}");
        if (masquerade.Count > 0)
        {
            var why = pools.Count == 0 ? "" : " (on pool uplinks: connections Junction did not balance)";
            w.Line($"oifname {{ {string.Join(", ", masquerade.Select(u => Quote(u.Interface)))} }} masquerade comment {Quote("masquerade" + why)}");
        }
        var keep = uplinks.Where(u => u.Snat.Mode == SnatMode.None).ToList();
        if (keep.Count > 0 && model.Local)
            // The host's own connections took their source address from the main table's route,
            // usually another uplink's; moved onto a 'snat: none' uplink they must still carry
            // one of its addresses. Forwarded connections (source not local) keep theirs.
            w.Line($"oifname {{ {string.Join(", ", keep.Select(u => Quote(u.Interface)))} }} fib saddr type local fib saddr . oif type != local masquerade comment {Quote("snat none: only this host's connections with another link's source")}");
        w.Close();

        foreach (var u in pools)
        {
            w.Line().Open($"chain {SnatChain(u)}");
            foreach (var (family, keyword) in new[] { (AddressFamily.InterNetwork, "ip"), (AddressFamily.InterNetworkV6, "ip6") })
            {
                var pool = u.Snat.Pool.Where(a => a.AddressFamily == family).ToList();
                if (pool.Count == 0) continue;
                var pick = u.Snat.Spread switch
                {
                    PoolSpread.Random => $"numgen random mod {pool.Count}",
                    PoolSpread.HashSource => $"jhash {keyword} saddr mod {pool.Count} seed 0x{HashSeed:x}",
                    _ => $"numgen inc mod {pool.Count}",
                };
                var entries = string.Join(", ", pool.Select((a, i) => $"{i} : {a}"));
                w.Line($"ct mark & {mask} == {model.Marks.Hex(u.Mark)} meta nfproto {(keyword == "ip" ? "ipv4" : "ipv6")} snat {keyword} to {pick} map {{ {entries} }} comment {Quote(u.Name + " pool")}");
            }
            w.Close();
        }
    }

    private static string RestoreDispatch(IReadOnlyList<UplinkPlan> uplinks, string mask) =>
        $"ct mark & {mask} vmap {{ {string.Join(", ", uplinks.Select(u => $"0x{u.Mark:x8} : jump {RestoreChain(u)}"))} }}";

    private static string SlotMap(int[] slots, IReadOnlyList<UplinkPlan> uplinks)
    {
        var entries = slots.Select((owner, i) => $"{i} : goto {MarkChain(uplinks[owner])}").ToList();
        if (entries.Count <= 8) return $"{{ {string.Join(", ", entries)} }}";
        var lines = entries.Chunk(8).Select(c => "\t\t" + string.Join(", ", c));
        return "{\n" + string.Join(",\n", lines) + "\n\t}";
    }

    private static string PinMatch(PinModel pin)
    {
        var parts = new List<string>();
        if (pin.To is { } to) parts.Add($"{Family(to)} daddr {to}");
        if (pin.From is { } from) parts.Add($"{Family(from)} saddr {from}");
        if (pin.Protocol is { } p) parts.Add($"meta l4proto {(p == "icmpv6" ? "ipv6-icmp" : p)}");
        if (pin.PortFirst is { } first)
            parts.Add(pin.PortLast == first ? $"th dport {first}" : $"th dport {first}-{pin.PortLast}");
        return string.Join(" ", parts);
    }

    private static string Family(IPNetwork n) => n.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? "ip" : "ip6";

    private static IReadOnlyList<RuleSpec> Rules(JunctionModel model)
    {
        var m = model.Marks;
        var rules = new List<RuleSpec>();
        foreach (var family in new[] { Families.IPv4, Families.IPv6 })
        {
            if (!model.Families.HasFlag(family)) continue;
            // Specific routes of the main table (connected networks, VPN peers, the LAN)
            // win over the uplink tables, so marked traffic never leaks out of a WAN.
            // For IPv4, /1 routes count as defaults: OpenVPN's def1 installs 0/1 and 128/1.
            rules.Add(new RuleSpec(family, m.MainPriority, RuleSpec.MainTable, null, null, family == Families.IPv4 ? 1 : 0));
            foreach (var u in model.Uplinks.Where(u => u.Families.HasFlag(family)))
                rules.Add(new RuleSpec(family, m.Priority(u.Id), m.Table(u.Id), m.Value(u.Id), m.Mask, null));
        }
        return rules;
    }

    private static IReadOnlyList<RouteSpec> Routes(JunctionModel model, IReadOnlySet<string> unroutable)
    {
        var routes = new List<RouteSpec>();
        foreach (var u in model.Uplinks.Where(u => !unroutable.Contains(u.Name)))
        {
            var table = model.Marks.Table(u.Id);
            if (u.Families.HasFlag(Families.IPv4))
                routes.Add(new RouteSpec(Families.IPv4, table, "default", u.Gateway4, u.Interface));
            if (u.Families.HasFlag(Families.IPv6))
                routes.Add(new RouteSpec(Families.IPv6, table, "default", u.Gateway6, u.Interface));
        }
        return routes;
    }

    private static IReadOnlyList<SysctlSpec> Sysctls(JunctionModel model, IReadOnlySet<string> unroutable)
    {
        var list = new List<SysctlSpec>();
        if (model.Lan.Count > 0)
        {
            list.Add(new SysctlSpec("net.ipv4.ip_forward", "1", "forward the LAN's connections"));
            if (model.Families.HasFlag(Families.IPv6))
                list.Add(new SysctlSpec("net.ipv6.conf.all.forwarding", "1", "forward the LAN's IPv6 connections"));
        }
        foreach (var u in model.Uplinks.Where(u => u.Families.HasFlag(Families.IPv4) && !unroutable.Contains(u.Name)))
            list.Add(new SysctlSpec($"net.ipv4.conf.{SysctlSpec.Interface(u.Interface)}.rp_filter", "2",
                "loose reverse-path filter: replies arrive on an uplink that is not the main table's default"));
        // With forwarding on, the kernel ignores Router Advertisements on interfaces whose
        // accept_ra is 1: an uplink that learns its IPv6 route by RA would lose it.
        if (model.Lan.Count > 0)
            foreach (var u in model.Uplinks.Where(u => u.Families.HasFlag(Families.IPv6) && !unroutable.Contains(u.Name)))
                list.Add(new SysctlSpec($"net.ipv6.conf.{SysctlSpec.Interface(u.Interface)}.accept_ra", "2",
                    "keep accepting Router Advertisements on this uplink while forwarding is on"));
        return list;
    }

    internal static string MarkChain(UplinkPlan u) => "mark_" + u.Name.Replace('-', '_');

    internal static string RestoreChain(UplinkPlan u) => "restore_" + u.Name.Replace('-', '_');

    internal static string SnatChain(UplinkPlan u) => "snat_" + u.Name.Replace('-', '_');

    private static string Quote(string s) => NftQuote.String(s);

    internal static string Describe(BalanceMode mode) => mode switch
    {
        BalanceMode.RoundRobin => "smooth weighted round-robin",
        BalanceMode.Random => "weighted random",
        BalanceMode.HashSource => "consistent hash of the source address",
        _ => "consistent hash of source and destination addresses",
    };

    internal static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
