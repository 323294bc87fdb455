using System.Net;
using Junction.Configuration;
using Junction.Model;
using Junction.Planning.Nftables;

namespace Junction.Explain.Tests;

/// <summary>The rules of the planned table, walked in the kernel's order.</summary>
public sealed class ExplainerTests
{
    private const string Config = """
        lan: [lan0]
        bypass: [10.0.0.0/8, 2001:db8:ffff::/48]
        uplinks:
          - { name: isp1, interface: wan1, gateway: 192.0.2.1, weight: 1 }
          - { name: isp2, interface: wan2, gateway: 198.51.100.1, weight: 3 }
        pin:
          - { to: 203.0.113.0/24, via: isp1 }
          - { from: 192.168.1.50, protocol: tcp, port: 443, via: isp2 }
        """;

    private static readonly HashSet<string> AllUp = [];

    private static JunctionModel Model(string yaml = Config) => ConfigLoader.LoadText(yaml, "test.yaml");

    private static Explanation Explain(string query, JunctionModel? model = null, params string[] down) =>
        Explainer.WouldBe(model ?? Model(), down.ToHashSet(), ConnectionQuery.Parse(query));

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("169.254.1.1", "link-local")]
    [InlineData("239.1.2.3", "multicast")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("255.255.255.255", "broadcast")]
    public void Special_destinations_are_never_balanced(string destination, string what)
    {
        var e = Explain(destination);
        Assert.Equal(Decision.NeverBalanced, e.Decision);
        Assert.Null(e.Uplink);
        Assert.Contains(what, e.Steps[^1]);
    }

    [Fact]
    public void This_hosts_own_addresses_are_never_balanced()
    {
        var e = Explainer.WouldBe(Model(), AllUp, ConnectionQuery.Parse("192.0.2.2"), [IPAddress.Parse("192.0.2.2")]);
        Assert.Equal(Decision.NeverBalanced, e.Decision);
        Assert.Equal("never-balanced local", e.Rule);
    }

    [Fact]
    public void A_bypass_destination_names_its_entry()
    {
        var e = Explain("tcp 10.20.30.40:22");
        Assert.Equal(Decision.Bypass, e.Decision);
        Assert.Equal("bypass 10.0.0.0/8", e.Rule);
        Assert.Equal("bypass 2001:db8:ffff::/48", Explain("2001:db8:ffff::1").Rule);
    }

    [Fact]
    public void A_pin_by_destination_decides()
    {
        var e = Explain("203.0.113.9");
        Assert.Equal(Decision.Pinned, e.Decision);
        Assert.Equal("isp1", e.Uplink);
        Assert.Equal("pin[0]", e.Rule);
    }

    [Fact]
    public void A_pin_whose_uplink_is_down_falls_through_to_balancing()
    {
        var e = Explain("203.0.113.9", null, "isp1");
        Assert.Equal(Decision.Balanced, e.Decision);
        Assert.Contains(e.Steps, s => s.Contains("pin[0]") && s.Contains("down"));
        Assert.Equal(["isp2"], e.Candidates.Select(c => c.Uplink));
    }

    [Fact]
    public void A_pin_that_needs_fields_the_query_lacks_is_named_but_not_assumed()
    {
        var e = Explain("93.184.216.34");
        Assert.Equal(Decision.Balanced, e.Decision);
        Assert.Contains(e.Steps, s => s.Contains("pin[1]") && s.Contains("source") && s.Contains("protocol"));
        Assert.Equal("pin[1]", Explain("tcp 192.168.1.50:40000 -> 93.184.216.34:443").Rule);
        Assert.Equal("balance round-robin", Explain("tcp 192.168.1.50:40000 -> 93.184.216.34:80").Rule);
    }

    [Fact]
    public void A_pin_of_one_address_family_is_not_left_open_for_a_connection_of_the_other()
    {
        var dual = Model(Config.Replace("gateway: 198.51.100.1,", "gateway: 198.51.100.1, gateway6: 2001:db8::1,"));
        var e = Explain("tcp [2001:db8:1::1]:443", dual);
        Assert.Equal(Decision.Balanced, e.Decision);
        Assert.DoesNotContain(e.Steps, s => s.Contains("pin[", StringComparison.Ordinal));
        // The IPv4 query still names it, since its source is what decides.
        Assert.Contains(Explain("tcp 93.184.216.34:443", dual).Steps, s => s.Contains("pin[1]", StringComparison.Ordinal));
    }

    [Fact]
    public void ICMPv6_names_the_neighbour_discovery_rule_it_cannot_decide_without_a_type()
    {
        var dual = Model(Config.Replace("gateway: 198.51.100.1,", "gateway: 198.51.100.1, gateway6: 2001:db8::1,"));
        var e = Explain("icmpv6 2001:db8:1::1", dual);
        Assert.Equal(Decision.Balanced, e.Decision);
        Assert.Contains(e.Steps, s => s.Contains("neighbour discovery", StringComparison.Ordinal) && s.Contains("never balanced", StringComparison.Ordinal));
        Assert.DoesNotContain(Explain("tcp [2001:db8:1::1]:443", dual).Steps, s => s.Contains("neighbour discovery", StringComparison.Ordinal));
    }

    [Fact]
    public void A_whole_tcp_connection_names_the_guard_that_resets_or_on_ha_drops_mid_stream_packets()
    {
        const string whole = "tcp 192.168.1.7:40000 -> 93.184.216.34:80";
        Assert.Contains(Explain(whole).Steps, s => s.Contains("other than a SYN", StringComparison.Ordinal) && s.Contains("reset", StringComparison.Ordinal));
        var ha = Model(Config.Replace("lan: [lan0]", "lan: [lan0]\nha: {}"));
        Assert.Contains(Explain(whole, ha).Steps, s => s.Contains("other than a SYN", StringComparison.Ordinal) && s.Contains("dropped", StringComparison.Ordinal));
        // A destination alone is a would-be new connection: its SYN is what is explained, without the guard.
        Assert.DoesNotContain(Explain("93.184.216.34:80").Steps, s => s.Contains("SYN", StringComparison.Ordinal));
        Assert.DoesNotContain(Explain("udp 192.168.1.7:40000 -> 93.184.216.34:53").Steps, s => s.Contains("SYN", StringComparison.Ordinal));
    }

    [Fact]
    public void A_would_be_connection_says_which_source_address_it_would_leave_with()
    {
        // 'explain' promises the uplink and the source address; a new connection got only the uplink.
        var pools = Model(Config.Replace("weight: 3 }", "weight: 3, snat: { addresses: [198.51.100.7, 198.51.100.8], spread: random } }"));
        Assert.Equal("one of 198.51.100.7, 198.51.100.8 (random)", Explain("tcp 192.168.1.50:40000 -> 93.184.216.34:443", pools).Source);
        Assert.Equal("wan1's address (masquerade)", Explain("203.0.113.9", pools).Source);
        Assert.Equal("via isp1: wan1's address (masquerade); via isp2: one of 198.51.100.7, 198.51.100.8 (random)", Explain("93.184.216.34", pools).Source);
        Assert.Equal("the address of the chosen uplink's interface (masquerade)", Explain("93.184.216.34").Source);
        var none = Model(Config.Replace("weight: 1 }", "weight: 1, snat: none }"));
        Assert.Equal("kept (snat: none; this host's own connections take wan1's address)", Explain("203.0.113.9", none).Source);
        // Nothing Junction marks has no source of Junction's to tell.
        Assert.Null(Explain("10.20.30.40").Source);
    }

    /// <summary>
    /// A tripwire: each kind of rule the planner puts in the choose chain, with the step explain
    /// gives for it. A new kind of rule fails here until explain walks it (and this list names it).
    /// </summary>
    private static string? ExplainedAs(NftRule rule) => rule.Statements switch
    {
        [NftMatch { Left: NftFib }, NftVerdict { Kind: NftVerdictKind.Return }] => "never-balanced local/broadcast",
        [NftMatch { Left: NftPayload { Field: "daddr" }, Right: NftSetLiteral }, NftVerdict { Kind: NftVerdictKind.Return }] => "never-balanced network",
        [NftMatch { Left: NftPayload { Protocol: "icmpv6", Field: "type" } }, NftVerdict { Kind: NftVerdictKind.Return }] => "icmpv6 neighbour discovery",
        [NftMatch { Left: NftPayload { Field: "daddr" }, Right: NftSetRef }, NftVerdict { Kind: NftVerdictKind.Return }] => "bypass",
        [NftMatch { Left: NftBinary { Left: NftPayload { Protocol: "tcp", Field: "flags" } } }, NftReject or NftVerdict { Kind: NftVerdictKind.Drop }] => "SYN guard",
        [.., NftVerdict { Kind: NftVerdictKind.Goto }] when rule.Comment is { } c && c.StartsWith("pin[", StringComparison.Ordinal) => "pin",
        [.., NftVmap { Key: NftNumgen or Planning.Nftables.NftJhash }] => "balance",
        _ => null,
    };

    [Fact]
    public void Every_rule_of_the_choose_chain_is_one_explain_walks()
    {
        var files = new[] { "vpn-round-robin.yaml", "snat-pool.yaml", "full.yaml", "hash-source.yaml", "backup-lte.yaml" }
            .Select(f => (f, File.ReadAllText(Junction.Tests.Repo.Path("examples", f)))).Append(("this test's", Config));
        var kinds = new HashSet<string>();
        foreach (var (file, text) in files)
            foreach (var yaml in new[] { text, text + "\nha: {}\n" })
            {
                var model = Model(yaml);
                var names = model.Uplinks.Select(u => u.Name).ToList();
                foreach (var down in new[] { new HashSet<string>(), names.Take(1).ToHashSet(), names.ToHashSet() })
                    foreach (var rule in Planning.Planner.Plan(model, down).Nft.Chain(Planning.ChoosePlanner.Name)!.Rules)
                    {
                        var kind = ExplainedAs(rule);
                        Assert.True(kind is not null, $"{file}: explain does not know the rule {NftText.Rule(rule, oneLine: true)}");
                        kinds.Add(kind);
                    }
            }
        // Every kind was met, so none of the patterns above is dead.
        Assert.Equal(7, kinds.Count);
    }

    [Fact]
    public void With_one_uplink_to_balance_over_the_answer_is_that_uplink()
    {
        // examples/snat-pool.yaml: "one of office (100 %)", "over 1 slots", "which one depends on the connections before it".
        var e = Explain("93.184.216.34", Model(Config), "isp2");
        Assert.Equal(Decision.Balanced, e.Decision);
        Assert.Equal("isp1", e.Uplink);
        Assert.Contains("'isp1' is the only uplink it balances over for IPv4", e.Steps[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("slots", e.Steps[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Round_robin_gives_candidates_and_shares_but_no_pick()
    {
        var e = Explain("93.184.216.34 from 192.168.1.7");
        Assert.Equal(Decision.Balanced, e.Decision);
        Assert.Null(e.Uplink);
        Assert.Equal([new Candidate("isp1", 0.25), new Candidate("isp2", 0.75)], e.Candidates);
        Assert.Contains("next slot", e.Steps[^1]);
    }

    [Fact]
    public void Hash_source_picks_the_owner_of_the_sources_slot_and_follows_health()
    {
        var model = Model(Config + "\nbalance: hash-source\n");
        var picks = Enumerable.Range(1, 200)
            .Select(i => Explain($"93.184.216.34 from 192.168.{i / 100}.{i % 100 + 1}", model).Uplink).ToList();
        Assert.All(picks, p => Assert.NotNull(p));
        Assert.InRange(picks.Count(p => p == "isp2"), 110, 190);
        // The destination does not matter for hash-source.
        Assert.Equal(Explain("1.1.1.1 from 192.168.1.7", model).Uplink, Explain("8.8.8.8 from 192.168.1.7", model).Uplink);
        Assert.Equal("isp2", Explain("1.1.1.1 from 192.168.1.7", model, "isp1").Uplink);
        Assert.Contains("give 'from ADDRESS'", Explain("1.1.1.1", model).Steps[^1]);
    }

    [Fact]
    public void With_every_uplink_down_the_main_table_decides()
    {
        var e = Explain("93.184.216.34", null, "isp1", "isp2");
        Assert.Equal(Decision.Fallback, e.Decision);
        Assert.Null(e.Uplink);
    }

    [Fact]
    public void A_family_no_uplink_carries_is_not_handled() =>
        Assert.Equal(Decision.NotHandled, Explain("2001:db8:1::1").Decision);

    [Fact]
    public void Nothing_is_handled_without_lan_and_local() =>
        Assert.Equal(Decision.NotHandled, Explain("93.184.216.34", Model(Config.Replace("lan: [lan0]", "local: false"))).Decision);

    [Fact]
    public void A_live_connection_reports_its_uplink_its_seen_source_and_the_rule()
    {
        var model = Model();
        var c = new TrackedConnection("tcp", "ESTABLISHED", IPAddress.Parse("192.168.1.50"), 40000, IPAddress.Parse("93.184.216.34"), 443,
            IPAddress.Parse("93.184.216.34"), IPAddress.Parse("198.51.100.2"), 443, 40000, 0x0002_0000 | 0x5);
        var e = Explainer.Live(model, AllUp, c);
        Assert.Equal(Decision.Pinned, e.Decision);
        Assert.Equal("isp2", e.Uplink);
        Assert.Equal("198.51.100.2", e.Live!.SeenSource);
        Assert.True(e.Live.SourceNatted);
        Assert.Equal(0x0002_0000u, e.Live.JunctionMark);
        Assert.Contains(e.Steps, s => s.Contains("set by pin[1]"));
        Assert.Null(e.Source); // conntrack's reply tuple says it: Live.SeenSource

        // Marks are hex strings in every JSON answer (docs/operations.md); explain's were numbers (131077).
        var json = Junction.Status.StatusJson.Serialize(e);
        Assert.Contains("\"mark\": \"0x00020005\"", json);
        Assert.Contains("\"junctionMark\": \"0x00020000\"", json);
        Assert.Equal(e.Live, Junction.Status.StatusJson.Deserialize<Explanation>(json)!.Live);
    }

    [Fact]
    public void A_live_connection_toward_this_host_is_inbound()
    {
        var c = new TrackedConnection("tcp", "ESTABLISHED", IPAddress.Parse("203.0.113.77"), 50000, IPAddress.Parse("192.0.2.2"), 22,
            IPAddress.Parse("192.0.2.2"), IPAddress.Parse("203.0.113.77"), 22, 50000, 0x0001_0000);
        var e = Explainer.Live(Model(), AllUp, c, [IPAddress.Parse("192.0.2.2")]);
        Assert.Equal(Decision.Inbound, e.Decision);
        Assert.Equal("isp1", e.Uplink);
        Assert.False(e.Live!.SourceNatted);
    }

    [Fact]
    public void An_unmarked_live_connection_follows_the_main_table()
    {
        var c = new TrackedConnection("udp", null, IPAddress.Parse("192.168.1.9"), 5353, IPAddress.Parse("10.1.1.1"), 53,
            IPAddress.Parse("10.1.1.1"), IPAddress.Parse("192.168.1.9"), 53, 5353, 0x42);
        var e = Explainer.Live(Model(), AllUp, c);
        Assert.Equal(Decision.Bypass, e.Decision);
        Assert.Null(e.Uplink);
        Assert.Contains(e.Steps, s => s.StartsWith("not marked"));
    }
}
