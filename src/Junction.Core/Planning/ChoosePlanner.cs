using System.Net;
using System.Net.Sockets;
using Junction.Model;
using Junction.Planning.Nftables;

namespace Junction.Planning;

/// <summary>
/// The <c>choose</c> chain: what is never balanced, the pins, then one verdict map per
/// family from a balancing slot to the mark chain of the slot's uplink. A health change
/// changes this chain (and the share figures) only. Explain walks these very rules.
/// </summary>
internal static class ChoosePlanner
{
    public const string Name = "choose";

    public static NftChain Chain(JunctionModel model, IReadOnlyList<UplinkPlan> uplinks, int[] slots)
    {
        var chain = new ChainBuilder(Name)
            .Remark("never balanced: this host, broadcast, multicast, link-local, loopback")
            .Rule(Nft.Is(new NftFib(["daddr"], "type"), Nft.Symbols("local", "broadcast", "multicast")), NftVerdict.Return);
        foreach (var (ip, v4) in new[] { ("ip", true), ("ip6", false) })
            chain.Rule(Nft.Is(new NftPayload(ip, "daddr"), Nft.Set(NeverBalancedNetwork.All.Where(n => n.IPv4 == v4).Select(n => Destination(n.Network)))),
                NftVerdict.Return);
        chain.Rule(Nft.Is(new NftPayload("icmpv6", "type"),
                Nft.Symbols("nd-router-solicit", "nd-router-advert", "nd-neighbor-solicit", "nd-neighbor-advert", "nd-redirect")),
            NftVerdict.Return);
        if (model.Bypass.Any(n => n.BaseAddress.AddressFamily == AddressFamily.InterNetwork))
            chain.Rule(Nft.Is(new NftPayload("ip", "daddr"), new NftSetRef("bypass4")), NftVerdict.Return);
        if (model.Bypass.Any(n => n.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6))
            chain.Rule(Nft.Is(new NftPayload("ip6", "daddr"), new NftSetRef("bypass6")), NftVerdict.Return);
        PickupGuard(chain, model);

        for (var i = 0; i < model.Pins.Count; i++)
        {
            var pin = model.Pins[i];
            var target = uplinks.First(u => u.Name == pin.Via);
            var match = PinMatch(pin);
            if (target.Healthy)
                chain.Commented($"pin[{i}]", [.. match, NftVerdict.Goto(target.MarkChain)]);
            else
                chain.Remark($"pin[{i}] ({string.Join(" ", match.Select(NftText.Statement))}) skipped: uplink '{pin.Via}' is down, so these connections are balanced");
        }

        // Each family is balanced over the uplinks that carry it; one rule serves both
        // when every uplink carries every family in use.
        var families = model.Families == Families.Dual && model.Uplinks.Any(u => u.Families != Families.Dual)
            ? new[] { Families.IPv4, Families.IPv6 }
            : new[] { model.Families };
        foreach (var family in families)
        {
            var familySlots = family == model.Families ? slots : Planner.BalanceSlots(model, Healthy(model, uplinks, family));
            var what = family == Families.Dual ? "" : $" for {(family == Families.IPv4 ? "IPv4" : "IPv6")}";
            if (familySlots.All(s => s < 0))
            {
                chain.Remark($"no uplink{what} is healthy: new connections are not marked and follow the main routing table");
                continue;
            }
            chain.Remark($"{Planner.Describe(model.Balance)}{what} over {familySlots.Length} slots{TierNote(model, familySlots)}");
            var n = familySlots.Length;
            var map = familySlots.Select((owner, slot) => new NftVmapEntry(new NftNumber(slot), NftVerdict.Goto(uplinks[owner].MarkChain))).ToValueList();
            NftStatement[] only = family == Families.Dual ? [] : [Nft.Nfproto(family)];
            switch (model.Balance)
            {
                case BalanceMode.RoundRobin:
                case BalanceMode.Random:
                    var mode = model.Balance == BalanceMode.RoundRobin ? "inc" : "random";
                    chain.Rule([.. only, new NftVmap(new NftNumgen(mode, n), map, Wrap: true)]);
                    break;
                default:
                    foreach (var f in new[] { Families.IPv4, Families.IPv6 }.Where(f => family.HasFlag(f)))
                    {
                        var ip = f == Families.IPv4 ? "ip" : "ip6";
                        NftExpr key = model.Balance == BalanceMode.HashSource
                            ? new NftPayload(ip, "saddr")
                            : new NftConcat([new NftPayload(ip, "saddr"), new NftPayload(ip, "daddr")]);
                        chain.Rule(Nft.Nfproto(f), new NftVmap(new NftJhash(key, n, Planner.HashSeed), map, Wrap: true));
                    }
                    break;
            }
        }
        return chain.Build();
    }

    /// <summary>A host route is written as its address (<c>::1</c>), a network with its length.</summary>
    private static NftExpr Destination(IPNetwork n) =>
        n.PrefixLength == (n.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128) ? new NftAddress(n.BaseAddress) : new NftPrefix(n);

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
    private static void PickupGuard(ChainBuilder chain, JunctionModel model)
    {
        if (model.Ha is null)
            chain.Remark("a TCP packet other than a SYN cannot open a connection (its conntrack entry was flushed or lost): reset, never balance")
                .Rule(Nft.NotSyn, new NftReject("tcp reset"));
        else
            chain.Remark("a TCP packet other than a SYN cannot open a connection: drop it unbalanced, so its retransmission finds the entry conntrackd commits")
                .Rule(Nft.NotSyn, NftVerdict.Drop);
    }

    private static bool[] Healthy(JunctionModel model, IReadOnlyList<UplinkPlan> uplinks, Families family) =>
        model.Uplinks.Select((u, i) => uplinks[i].Healthy && u.Families.HasFlag(family)).ToArray();

    private static List<NftStatement> PinMatch(PinModel pin)
    {
        var parts = new List<NftStatement>();
        if (pin.To is { } to) parts.Add(Nft.Is(new NftPayload(Ip(to), "daddr"), new NftPrefix(to)));
        if (pin.From is { } from) parts.Add(Nft.Is(new NftPayload(Ip(from), "saddr"), new NftPrefix(from)));
        if (pin.Protocol is { } p) parts.Add(Nft.Is(NftMeta.L4proto, new NftSymbol(p == "icmpv6" ? "ipv6-icmp" : p)));
        if (pin.PortFirst is { } first)
            parts.Add(Nft.Is(new NftPayload("th", "dport"), pin.PortLast == first ? new NftNumber(first) : new NftRange(first, pin.PortLast!.Value)));
        return parts;
    }

    private static string Ip(IPNetwork n) => n.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? "ip" : "ip6";
}
