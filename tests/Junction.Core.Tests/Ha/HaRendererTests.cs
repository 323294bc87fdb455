using System.Net;
using Junction.Configuration;

namespace Junction.Ha.Tests;

public sealed class HaRendererTests
{
    private const string Pair = """
        lan: [lan]
        ha: { state-dir: /run/junction/ha }
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.100.1.1, id: 1, snat: { addresses: [10.100.1.10] } }
          - { name: isp2, interface: wan2, gateway: 10.100.2.1, id: 2, snat: { addresses: [10.100.2.10, 10.100.2.11] } }
          - { name: vpn, interface: tun0, id: 3, snat: none }
        """;

    private static readonly HaRenderOptions Options = new()
    {
        RouterId = "r1",
        Priority = 110,
        LanVirtualAddress = IPAddress.Parse("10.9.0.1"),
        LanPrefixLength = 24,
        SyncInterface = "sync",
        SyncAddress = IPAddress.Parse("10.254.0.1"),
        PeerSyncAddress = IPAddress.Parse("10.254.0.2"),
        ConfigDirectory = "/etc/junction/ha",
    };

    private static (HaFiles Files, List<string> Errors) Render(string yaml, HaRenderOptions? options = null)
    {
        var errors = new List<string>();
        return (HaRenderer.Render(ConfigLoader.LoadText(yaml, "pair.yaml"), options ?? Options, errors), errors);
    }

    [Fact]
    public void One_instance_on_the_lan_carries_the_gateway_and_every_snat_address_on_its_uplink()
    {
        var (files, errors) = Render(Pair);
        Assert.Empty(errors);
        var k = files.Keepalived;
        Assert.Contains("vrrp_version 3", k);
        Assert.Contains("    interface lan\n", k);
        Assert.Contains("advert_int 0.1", k);
        Assert.Contains("priority 110", k);
        Assert.Contains("10.9.0.1/24 dev lan    #", k);
        // Uplinks are not tracked by keepalived: Junction's health file speaks for them.
        Assert.Contains("10.100.1.10/32 dev wan1 no_track", k);
        Assert.Contains("10.100.2.10/32 dev wan2 no_track", k);
        Assert.Contains("10.100.2.11/32 dev wan2 no_track", k);
        Assert.DoesNotContain("tun0", k);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(k, "vrrp_instance"));
        Assert.Contains("file \"/run/junction/ha/health\"", k);
        Assert.Contains("weight -20", k);
        Assert.Contains("notify \"/etc/junction/ha/notify.sh\"", k);
        Assert.DoesNotContain("nopreempt", k);
        Assert.DoesNotContain("preempt_delay", k);   // it would delay the takeover from a master whose uplinks died
        Assert.DoesNotContain("vrrp_strict", k);   // it would add firewall rules of its own
    }

    [Fact]
    public void Until_Junction_writes_the_health_file_every_uplink_counts_as_unhealthy()
    {
        // With 'init_file 0' a router that had just booted (its /run empty) took over at full
        // priority before its Junction had started, and balanced nothing.
        var k = Render(Pair).Files.Keepalived;
        Assert.Contains("    init_file 3\n", k.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("init_file 0", k);
    }

    [Fact]
    public void Conntrackd_replicates_in_ftfw_over_the_sync_link_with_its_own_lock_and_socket()
    {
        var c = Render(Pair).Files.Conntrackd;
        Assert.Contains("Mode FTFW", c);
        Assert.Contains("IPv4_address 10.254.0.1", c);
        Assert.Contains("IPv4_Destination_Address 10.254.0.2", c);
        Assert.Contains("Interface sync", c);
        Assert.Contains("LockFile /run/junction/ha/conntrackd.lock", c);
        Assert.Contains("UNIX { Path /run/junction/ha/conntrackd.ctl }", c);
    }

    [Fact]
    public void The_notify_script_records_the_role_and_commits_on_master()
    {
        var n = Render(Pair).Files.Notify;
        Assert.StartsWith("#!/bin/sh\n", n);
        Assert.Contains("role='/run/junction/ha/vrrp'", n);
        Assert.Contains("conf='/etc/junction/ha/conntrackd.conf'", n);
        var master = n[n.IndexOf("MASTER)", StringComparison.Ordinal)..n.IndexOf("BACKUP)", StringComparison.Ordinal)];
        Assert.True(master.IndexOf("-c ", StringComparison.Ordinal) < master.IndexOf("-f ", StringComparison.Ordinal));
        Assert.True(master.IndexOf("-R ", StringComparison.Ordinal) < master.IndexOf("-B ", StringComparison.Ordinal));
        Assert.Contains("-n ", n[n.IndexOf("BACKUP)", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void No_preempt_and_another_interval_are_written()
    {
        var k = Render(Pair, Options with { Preempt = false, AdvertInterval = TimeSpan.FromMilliseconds(250), Priority = 100 }).Files.Keepalived;
        Assert.Contains("nopreempt", k);
        Assert.Contains("advert_int 0.25", k);
        Assert.Contains("priority 100", k);
    }

    [Fact]
    public void Everything_that_cannot_be_written_safely_or_would_not_survive_a_takeover_is_refused_at_once()
    {
        var yaml = """
            lan: [lan]
            uplinks:
              - { name: isp1, interface: "wan{1}", gateway: 10.100.1.1 }
            """;
        var (files, errors) = Render(yaml, Options with { RouterId = "r1; reboot", Priority = 255, SyncInterface = "sy\"nc", ConfigDirectory = "/etc/../tmp" });
        Assert.Equal("", files.Keepalived);
        Assert.Contains(errors, e => e.Contains("no 'ha:' section"));
        Assert.Contains(errors, e => e.Contains("interface 'wan{1}'"));
        Assert.Contains(errors, e => e.Contains("interface 'sy\"nc'"));
        Assert.Contains(errors, e => e.Contains("--router-id"));
        Assert.Contains(errors, e => e.Contains("--priority 255"));
        Assert.Contains(errors, e => e.Contains("--config-dir"));
        Assert.Contains(errors, e => e.Contains("uplink 'isp1' masquerades"));
    }

    [Fact]
    public void Errors_about_options_are_told_from_errors_about_the_file()
    {
        // 'ha render' exits 2 for a wrong command line and 1 for a file that cannot serve a pair: it tells them apart by this.
        var yaml = """
            lan: [lan]
            uplinks:
              - { name: isp1, interface: "wan{1}", gateway: 10.100.1.1 }
            """;
        var (_, fileOnly) = Render(yaml);
        Assert.Contains(fileOnly, e => e.Contains("no 'ha:' section"));
        Assert.Contains(fileOnly, e => e.Contains("interface 'wan{1}'"));
        Assert.Contains(fileOnly, e => e.Contains("uplink 'isp1' masquerades"));
        Assert.DoesNotContain(fileOnly, HaRenderer.NamesAnOption);

        var (_, both) = Render(yaml, Options with { Priority = 0, SyncInterface = "sy\"nc" });
        Assert.Equal(fileOnly.Count + 2, both.Count);
        Assert.Equal(2, both.Count(HaRenderer.NamesAnOption));
        Assert.Contains(both, e => e.StartsWith("--sync-interface 'sy\"nc'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_source_file_name_in_headers_cannot_break_out_of_the_comment()
    {
        var files = Render(Pair, Options with { Source = "evil\nvrrp_script x {" }).Files;
        Assert.DoesNotContain("\nvrrp_script", files.Keepalived);
        Assert.Contains("evil?vrrp_script", files.Keepalived);
    }
}
