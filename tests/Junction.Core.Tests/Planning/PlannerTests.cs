using Junction.Planning.Nftables;
using System.Text.RegularExpressions;
using Junction.Configuration;
using Junction.Model;

namespace Junction.Planning.Tests;

public sealed class PlannerTests
{
    private const string Three = """
        lan: [lan0]
        uplinks:
          - { name: a, interface: wan1, gateway: 10.1.0.1, weight: 1 }
          - { name: b, interface: wan2, gateway: 10.2.0.1, weight: 2 }
          - { name: c, interface: wan3, gateway: 10.3.0.1, weight: 3 }
        """;

    private static JunctionModel Model(string yaml) => ConfigLoader.LoadText(yaml, "test.yaml");

    private static DesiredState Plan(string yaml, params string[] down) =>
        Planner.Plan(Model(yaml), new HashSet<string>(down));

    private static string Chain(DesiredState plan, string name)
    {
        var match = Regex.Match(NftText.Table(plan.Nft), $@"\tchain {name} {{\n(.*?)\n\t}}", RegexOptions.Singleline);
        Assert.True(match.Success, $"chain {name} not found in\n{NftText.Table(plan.Nft)}");
        return match.Groups[1].Value;
    }

    [Fact]
    public void The_same_inputs_give_the_same_plan()
    {
        // Records with value equality all the way down: two plans of the same inputs are equal.
        Assert.Equal(Plan(Three), Plan(Three));
        Assert.Equal(Plan(Three, "b"), Plan(Three, "b"));
        Assert.NotEqual(Plan(Three).Nft, Plan(Three, "b").Nft);
        Assert.Equal(Plan(Three).Nft.Chain("prerouting"), Plan(Three, "b").Nft.Chain("prerouting"));
    }

    [Fact]
    public void Chooses_on_new_connections_only_and_restores_the_mark_on_every_lan_packet()
    {
        var lan = Chain(Plan(Three), "lan");
        Assert.Contains("ct state new ct mark & 0x00ff0000 == 0 jump choose", lan);
        Assert.Contains("ct mark & 0x00ff0000 vmap { 0x00010000 : jump restore_a, 0x00020000 : jump restore_b, 0x00030000 : jump restore_c }", lan);
        Assert.Contains("iifname { \"lan0\" } jump lan", Chain(Plan(Three), "prerouting"));
    }

    [Fact]
    public void Marks_are_masked_so_other_tools_bits_survive()
    {
        var plan = Plan(Three);
        Assert.Contains("ct mark set ct mark & 0xff00ffff | 0x00020000", Chain(plan, "mark_b"));
        Assert.Contains("meta mark set meta mark & 0xff00ffff | 0x00020000", Chain(plan, "restore_b"));
        Assert.DoesNotContain("ct mark set 0x", NftText.Table(plan.Nft));
        Assert.DoesNotContain("meta mark set 0x", NftText.Table(plan.Nft));
    }

    [Fact]
    public void Local_connections_are_chosen_in_a_route_chain()
    {
        var output = Chain(Plan(Three), "output");
        Assert.Contains("type route hook output priority mangle", output);
        Assert.Contains("ct state new ct mark & 0x00ff0000 == 0 jump choose", output);
        Assert.DoesNotContain("jump choose", Chain(Plan("local: false\n" + Three), "output"));
        // Replies of connections that arrived on an uplink are still restored.
        Assert.Contains("vmap { 0x00010000 : jump restore_a", Chain(Plan("local: false\n" + Three), "output"));
    }

    [Fact]
    public void The_hosts_own_connections_are_balanced_only_when_the_main_table_sends_them_out_of_an_uplink()
    {
        var output = Chain(Plan(Three), "output");
        // A tunnel's carrier traffic and any socket another tool marked (wg-quick) keep their routing.
        Assert.Contains("meta mark != 0 return", output);
        Assert.Contains("oifname { \"wan1\", \"wan2\", \"wan3\" } ct state new ct mark & 0x00ff0000 == 0 jump choose", output);
        Assert.True(output.IndexOf("meta mark != 0 return", StringComparison.Ordinal) < output.IndexOf("jump choose", StringComparison.Ordinal));
    }

    [Fact]
    public void Snat_none_masquerades_only_the_hosts_own_connections_that_carry_another_links_source()
    {
        var yaml = "uplinks:\n  - { name: a, interface: wan1, gateway: 10.1.0.1, snat: none }\n  - { name: b, interface: wan2, gateway: 10.2.0.1 }\n";
        var post = Chain(Plan(yaml), "postrouting");
        Assert.Contains("oifname { \"wan1\" } fib saddr type local fib saddr . oif type != local masquerade", post);
        Assert.DoesNotContain("fib saddr", Chain(Plan("local: false\n" + yaml), "postrouting"));
    }

    [Fact]
    public void Round_robin_is_smooth_and_weighted()
    {
        var choose = Chain(Plan(Three), "choose");
        Assert.Contains("numgen inc mod 6 vmap { 0 : goto mark_c, 1 : goto mark_b, 2 : goto mark_a, 3 : goto mark_c, 4 : goto mark_b, 5 : goto mark_c }", choose);
    }

    [Fact]
    public void Random_uses_the_same_weighted_slots()
    {
        var choose = Chain(Plan("balance: random\n" + Three), "choose");
        Assert.Contains("numgen random mod 6 vmap", choose);
    }

    [Fact]
    public void Hash_modes_use_a_fixed_seed_and_a_consistent_table_per_family()
    {
        var choose = Chain(Plan("balance: hash-source\n" + Three), "choose");
        Assert.Contains($"meta nfproto ipv4 jhash ip saddr mod 258 seed 0x{Planner.HashSeed:x} vmap", choose);
        var both = Chain(Plan("balance: hash-source-destination\n" + Three), "choose");
        Assert.Contains("jhash ip saddr . ip daddr mod 258", both);
    }

    [Fact]
    public void An_unhealthy_uplink_gets_no_new_connections_but_keeps_its_restore_and_routes()
    {
        var plan = Plan(Three, "c");
        var choose = Chain(plan, "choose");
        Assert.DoesNotContain("goto mark_c", choose);
        Assert.Contains("numgen inc mod 3 vmap { 0 : goto mark_b, 1 : goto mark_a, 2 : goto mark_b }", choose);
        // Established connections of the healthy uplinks keep their marks: restore is unchanged.
        Assert.Equal(Chain(Plan(Three), "lan"), Chain(plan, "lan"));
        Assert.Equal(Plan(Three).Rules, plan.Rules);
        Assert.Equal(Plan(Three).Routes, plan.Routes);
        Assert.False(plan.Uplinks.Single(u => u.Name == "c").Healthy);
        Assert.Equal(1 / 3.0, plan.Uplinks.Single(u => u.Name == "a").Share, 6);
    }

    [Fact]
    public void All_unhealthy_falls_back_to_the_main_table_never_a_blackhole()
    {
        var plan = Plan(Three, "a", "b", "c");
        Assert.True(plan.Fallback);
        var choose = Chain(plan, "choose");
        Assert.DoesNotContain("numgen", choose);
        Assert.DoesNotContain("goto mark_", choose);
        Assert.Contains("follow the main routing table", choose);
        // Only a TCP packet that cannot open a connection (not a SYN) is refused; new ones pass.
        var refusing = NftText.Table(plan.Nft).Split('\n').Where(l => !l.TrimStart().StartsWith('#') && (l.Contains(" drop") || l.Contains("reject"))).ToList();
        Assert.Equal(["tcp flags & (syn | ack) != syn reject with tcp reset"], refusing.Select(l => l.Trim()));
    }

    [Fact]
    public void A_TCP_packet_other_than_a_SYN_is_never_balanced_reset_alone_dropped_in_a_pair()
    {
        var single = Chain(Plan(Three), "choose");
        var guard = single.IndexOf("tcp flags & (syn | ack) != syn reject with tcp reset", StringComparison.Ordinal);
        Assert.True(guard > 0, single);
        Assert.True(guard < single.IndexOf("numgen", StringComparison.Ordinal), "the guard must come before the balancing statement");

        var pair = Chain(Plan(Three + "\nha:\n"), "choose");
        Assert.Contains("tcp flags & (syn | ack) != syn drop", pair);
        Assert.DoesNotContain("reject", pair);
        // Replies from the internet too: the new master must not reset them before the commit.
        var pre = Chain(Plan(Three + "\nha:\n"), "prerouting");
        Assert.True(pre.IndexOf("ct state new tcp flags & (syn | ack) != syn counter drop", StringComparison.Ordinal)
            < pre.IndexOf("iifname vmap", StringComparison.Ordinal), pre);
        Assert.DoesNotContain("!= syn drop", Chain(Plan(Three), "prerouting"));
    }

    [Fact]
    public void Connections_arriving_on_an_uplink_get_its_mark()
    {
        var pre = Chain(Plan(Three), "prerouting");
        Assert.Contains("ct state new ct mark & 0x00ff0000 == 0 iifname vmap { \"wan1\" : goto mark_a, \"wan2\" : goto mark_b, \"wan3\" : goto mark_c }", pre);
    }

    [Fact]
    public void Local_multicast_link_local_and_bypass_destinations_are_never_balanced()
    {
        var choose = Chain(Plan("bypass: [10.0.0.0/8, 'fd00::/8']\n" + Three), "choose");
        var lines = choose.Split('\n').Select(l => l.Trim()).ToList();
        var balance = lines.FindIndex(l => l.Contains("numgen"));
        foreach (var exempt in new[] { "fib daddr type { local, broadcast, multicast } return", "224.0.0.0/3", "ff00::/8", "fe80::/10", "nd-neighbor-solicit", "ip daddr @bypass4 return", "ip6 daddr @bypass6 return" })
            Assert.InRange(lines.FindIndex(l => l.Contains(exempt)), 0, balance - 1);
    }

    [Fact]
    public void Pins_come_before_balancing_and_are_skipped_while_their_uplink_is_down()
    {
        var yaml = Three + "\npin:\n  - { to: 203.0.113.0/24, via: a }\n  - { from: 10.9.0.50, protocol: tcp, port: 443, via: b }\n";
        var choose = Chain(Plan(yaml), "choose");
        Assert.Contains("ip daddr 203.0.113.0/24 goto mark_a comment \"pin[0]\"", choose);
        Assert.Contains("ip saddr 10.9.0.50/32 meta l4proto tcp th dport 443 goto mark_b comment \"pin[1]\"", choose);
        Assert.True(choose.IndexOf("pin[1]", StringComparison.Ordinal) < choose.IndexOf("numgen", StringComparison.Ordinal));
        var down = Chain(Plan(yaml, "a"), "choose");
        Assert.DoesNotContain("goto mark_a", down);
        Assert.Contains("# pin[0]", down);
    }

    [Fact]
    public void Snat_per_uplink_masquerade_none_and_pool()
    {
        var plan = Plan("""
            uplinks:
              - { name: a, interface: wan1, gateway: 10.1.0.1 }
              - { name: b, interface: wan2, gateway: 10.2.0.1, snat: none }
              - name: c
                interface: eth0
                gateway: 192.0.2.1
                snat: { addresses: [192.0.2.11, 192.0.2.12, 192.0.2.13], spread: round-robin }
              - name: d
                interface: eth1
                gateway: 192.0.3.1
                snat: { addresses: [192.0.3.11, 192.0.3.12], spread: hash-source }
            """);
        var post = Chain(plan, "postrouting");
        Assert.Contains("type nat hook postrouting priority srcnat", post);
        // Two lookups whatever the number of uplinks: pool uplinks by verdict map, then one masquerade set.
        Assert.Contains("oifname vmap { \"eth0\" : jump snat_c, \"eth1\" : jump snat_d }", post);
        Assert.Contains("oifname { \"wan1\", \"eth0\", \"eth1\" } masquerade", post);
        Assert.True(post.IndexOf("vmap", StringComparison.Ordinal) < post.IndexOf("masquerade", StringComparison.Ordinal));
        // snat: none on wan2: its only rule is for this host's own connections.
        Assert.Single(post.Split('\n'), l => l.Contains("\"wan2\""));
        Assert.Contains("oifname { \"wan2\" } fib saddr type local", post);
        Assert.Contains("ct mark & 0x00ff0000 == 0x00030000 meta nfproto ipv4 snat ip to numgen inc mod 3 map { 0 : 192.0.2.11, 1 : 192.0.2.12, 2 : 192.0.2.13 }", Chain(plan, "snat_c"));
        Assert.Contains($"snat ip to jhash ip saddr mod 2 seed 0x{Planner.HashSeed:x} map {{ 0 : 192.0.3.11, 1 : 192.0.3.12 }}", Chain(plan, "snat_d"));
    }

    [Fact]
    public void Rules_put_main_specific_routes_first_then_one_fwmark_rule_per_uplink()
    {
        var rules = Plan(Three).Rules.Select(r => r.ToString()).ToList();
        Assert.Equal(
        [
            "ip rule add priority 1000 lookup main suppress_prefixlength 1",
            "ip rule add priority 1001 fwmark 0x10000/0xff0000 lookup 1000",
            "ip rule add priority 1002 fwmark 0x20000/0xff0000 lookup 1001",
            "ip rule add priority 1003 fwmark 0x30000/0xff0000 lookup 1002",
        ], rules);
    }

    [Fact]
    public void Routes_go_via_the_gateway_or_straight_out_of_a_tunnel()
    {
        var routes = Plan("uplinks:\n  - { name: a, interface: tun0 }\n  - { name: b, interface: wan2, gateway: 10.2.0.1 }\n").Routes;
        Assert.Equal(["ip route replace default dev tun0 table 1000", "ip route replace default via 10.2.0.1 dev wan2 table 1001"],
            routes.Select(r => r.ToString()));
    }

    [Fact]
    public void Ids_pin_marks_and_tables_so_inserting_an_uplink_moves_nobody()
    {
        var plan = Plan("mark-mask: 0x0000ff00\ntable-base: 200\nrule-priority: 500\nuplinks:\n  - { name: new, interface: wan9, id: 3 }\n  - { name: old, interface: wan1, id: 1 }\n");
        var old = plan.Uplinks.Single(u => u.Name == "old");
        Assert.Equal((0x100u, 200u), (old.Mark, old.Table));
        var added = plan.Uplinks.Single(u => u.Name == "new");
        Assert.Equal((0x300u, 202u), (added.Mark, added.Table));
        Assert.Contains(plan.Rules, r => r.ToString() == "ip rule add priority 503 fwmark 0x300/0xff00 lookup 202");
    }

    [Fact]
    public void Sysctls_forward_for_a_lan_and_loosen_rp_filter_on_uplinks()
    {
        var sysctls = Plan(Three).Sysctls.Select(s => s.ToString()).ToList();
        Assert.Contains("sysctl -w net.ipv4.ip_forward=1", sysctls);
        Assert.Contains("sysctl -w net.ipv4.conf.wan2.rp_filter=2", sysctls);
        var noLan = Plan("uplinks:\n  - { name: a, interface: eth0.100 }\n").Sysctls;
        Assert.DoesNotContain(noLan, s => s.Key.Contains("forward"));
        Assert.Equal("/proc/sys/net/ipv4/conf/eth0.100/rp_filter", Assert.Single(noLan).Path);
    }

    [Fact]
    public void Ipv6_is_balanced_only_over_uplinks_that_carry_it()
    {
        var plan = Plan("""
            lan: [lan0]
            uplinks:
              - { name: a, interface: wan1, gateway: 10.1.0.1 }
              - { name: b, interface: wan2, gateway: 10.2.0.1, gateway6: '2001:db8::1' }
            """);
        var choose = Chain(plan, "choose");
        Assert.Contains("meta nfproto ipv4 numgen inc mod 2 vmap { 0 : goto mark_a, 1 : goto mark_b }", choose);
        Assert.Contains("meta nfproto ipv6 numgen inc mod 1 vmap { 0 : goto mark_b }", choose);
        Assert.Contains(plan.Rules, r => r.ToString() == "ip -6 rule add priority 1000 lookup main suppress_prefixlength 0");
        Assert.Contains(plan.Routes, r => r.ToString() == "ip -6 route replace default via 2001:db8::1 dev wan2 table 1001");
        Assert.Contains(plan.Sysctls, s => s.Key == "net.ipv6.conf.all.forwarding");
        // Forwarding makes accept_ra=1 ignore Router Advertisements; 2 keeps the uplink's RA-learned route.
        Assert.Contains(plan.Sysctls, s => s.ToString() == "sysctl -w net.ipv6.conf.wan2.accept_ra=2");
        Assert.DoesNotContain(plan.Sysctls, s => s.Key == "net.ipv6.conf.wan1.accept_ra");
    }

    [Fact]
    public void The_script_replaces_the_table_atomically_even_when_it_does_not_exist()
    {
        var script = NftText.ReplaceScript(Plan(Three).Nft);
        Assert.StartsWith("add table inet junction\ndelete table inet junction\ntable inet junction {", script);
    }

    [Fact]
    public void An_unroutable_uplink_loses_its_routes_and_new_connections_but_keeps_its_rule()
    {
        var model = Model(Three);
        var all = Planner.Plan(model, new HashSet<string>());
        var plan = Planner.Plan(model, new HashSet<string>(), new HashSet<string> { "b" });

        Assert.DoesNotContain(plan.Routes, r => r.Device == "wan2");
        Assert.Equal(2, plan.Routes.Count);
        Assert.DoesNotContain(plan.Sysctls, s => s.Key.Contains("wan2"));
        Assert.Equal(all.Rules, plan.Rules);
        Assert.False(plan.Uplinks.Single(u => u.Name == "b").Healthy);
        Assert.Equal(NftText.Table(Planner.Plan(model, new HashSet<string> { "b" }).Nft), NftText.Table(plan.Nft));
    }

    [Fact]
    public void No_unroutable_uplinks_plans_exactly_what_the_two_argument_form_plans()
    {
        var model = Model(Three);
        var two = Planner.Plan(model, new HashSet<string> { "a" });
        var three = Planner.Plan(model, new HashSet<string> { "a" }, new HashSet<string>());
        Assert.Equal(NftText.Table(two.Nft), NftText.Table(three.Nft));
        Assert.Equal(two.Routes, three.Routes);
        Assert.Equal(two.Sysctls, three.Sysctls);
    }
}
