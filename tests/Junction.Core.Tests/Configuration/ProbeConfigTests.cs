using System.Net;
using Junction.Model;

namespace Junction.Configuration.Tests;

/// <summary><c>probe:</c> of an uplink: defaults, every error, and that old files still load.</summary>
public sealed class ProbeConfigTests
{
    private const string Gw = """
        uplinks:
          - name: isp1
            interface: wan1
            gateway: 10.11.0.1
        """;

    private static ProbeModel Probe(string yaml) => ConfigLoader.LoadText(yaml, "test.yaml").Uplinks[0].Probe;

    private static ConfigError Only(string yaml)
    {
        var (model, errors) = ConfigLoader.TryLoadText(yaml, "test.yaml");
        Assert.Null(model);
        return Assert.Single(errors);
    }

    private static string WithProbe(string body) => Gw + "\n    probe:\n" + string.Join("\n", body.Split('\n').Select(l => "      " + l));

    [Fact]
    public void Without_probe_an_uplink_with_a_gateway_pings_it_with_the_defaults()
    {
        var p = Probe(Gw);
        Assert.Equal(ProbeKind.Icmp, p.Kind);
        Assert.Equal([new ProbeTarget(IPAddress.Parse("10.11.0.1"), null)], p.Targets);
        Assert.Equal(TimeSpan.FromMilliseconds(200), p.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(300), p.Timeout);
        Assert.Equal((3, 5, 1), (p.DownAfter, p.UpAfter, p.Require));
        Assert.True(p.Enabled);
    }

    [Fact]
    public void The_defaults_notice_a_silently_dead_link_in_under_a_second()
    {
        var p = Probe(Gw);
        Assert.True(p.WorstCaseDetection < TimeSpan.FromSeconds(1), p.WorstCaseDetection.ToString());
    }

    [Fact]
    public void An_empty_probe_section_means_the_defaults()
    {
        var defaults = Probe(Gw);
        foreach (var yaml in new[] { Gw + "\n    probe:\n", Gw + "\n    probe: {}\n" })
        {
            var p = Probe(yaml);
            Assert.Equal(defaults, p with { Targets = defaults.Targets });
            Assert.Equal(defaults.Targets, p.Targets);
        }
    }

    [Fact]
    public void A_dual_stack_uplink_pings_both_gateways_by_default()
    {
        var p = Probe(Gw.Replace("gateway: 10.11.0.1", "gateway: 10.11.0.1\n    gateway6: 2001:db8::1"));
        Assert.Equal(["10.11.0.1", "2001:db8::1"], p.Targets.Select(t => t.ToString()));
    }

    [Fact]
    public void A_tunnel_without_probe_is_watched_by_link_state_only()
    {
        var p = Probe("uplinks:\n  - { name: vpna, interface: tun0 }\n");
        Assert.False(p.Enabled);
        Assert.Same(ProbeModel.None, p);
    }

    [Fact]
    public void Every_key_is_read()
    {
        var p = Probe(WithProbe("""
            kind: tcp
            targets: [192.0.2.1:443, "[2001:db8::9]:80"]
            interval: 1.5s
            timeout: 750ms
            down-after: 4
            up-after: 10
            require: all
            """).Replace("gateway: 10.11.0.1", "gateway: 10.11.0.1\n    gateway6: 2001:db8::1"));
        Assert.Equal(ProbeKind.Tcp, p.Kind);
        Assert.Equal([new ProbeTarget(IPAddress.Parse("192.0.2.1"), 443), new ProbeTarget(IPAddress.Parse("2001:db8::9"), 80)], p.Targets);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), p.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(750), p.Timeout);
        Assert.Equal((4, 10, 2), (p.DownAfter, p.UpAfter, p.Require));
        Assert.Equal("[2001:db8::9]:80", p.Targets[1].ToString());
    }

    [Fact]
    public void Given_targets_replace_the_gateway()
    {
        var p = Probe(WithProbe("targets: [198.51.100.7, 203.0.113.9]\nrequire: 2\ninterval: 1m"));
        Assert.Equal(["198.51.100.7", "203.0.113.9"], p.Targets.Select(t => t.ToString()));
        Assert.Equal(2, p.Require);
        Assert.Equal(TimeSpan.FromMinutes(1), p.Interval);
    }

    [Fact]
    public void A_tunnel_with_targets_is_probed()
    {
        var p = Probe("uplinks:\n  - name: vpna\n    interface: tun0\n    probe:\n      targets: [10.8.0.1]\n");
        Assert.Equal("10.8.0.1", Assert.Single(p.Targets).ToString());
    }

    [Fact]
    public void A_tunnel_with_probe_but_nothing_to_probe_is_an_error_with_a_fix()
    {
        var e = Only("uplinks:\n  - name: vpna\n    interface: tun0\n    probe:\n      interval: 1s\n");
        Assert.Equal("uplink 'vpna'.probe", e.Entity);
        Assert.Contains("nothing to probe", e.Problem);
        Assert.Contains("targets: [ADDRESS]", e.Fix);
        Assert.Equal(new SourcePosition(5, 7), e.Position);
    }

    [Fact]
    public void Unknown_probe_key_suggests_the_closest()
    {
        var e = Only(WithProbe("down_after: 3"));
        Assert.Equal("uplink 'isp1'.probe", e.Entity);
        Assert.Contains("unknown key 'down_after'", e.Problem);
        Assert.Equal("did you mean 'down-after'?", e.Fix);
        Assert.Equal(new SourcePosition(6, 7), e.Position);
        Assert.StartsWith("test.yaml:6:7: uplink 'isp1'.probe: unknown key 'down_after'", e.ToString());
    }

    [Fact]
    public void Unknown_kind_suggests_the_closest()
    {
        var e = Only(WithProbe("kind: icpm"));
        Assert.Equal("uplink 'isp1'.probe.kind", e.Entity);
        Assert.Contains("'icpm'", e.Problem);
        Assert.Equal("did you mean 'icmp'?", e.Fix);
        Assert.Equal(new SourcePosition(6, 13), e.Position);
    }

    [Fact]
    public void Probe_must_be_a_mapping()
    {
        var e = Only(Gw + "\n    probe: yes\n");
        Assert.Equal("uplink 'isp1'.probe", e.Entity);
        Assert.Contains("mapping", e.Problem);
    }

    [Theory]
    [InlineData("banana")]
    [InlineData("10.1")]
    [InlineData("fe80::1%eth0")]
    public void Bad_target_addresses(string target)
    {
        var e = Only(WithProbe($"targets: [\"{target}\"]"));
        Assert.Equal("uplink 'isp1'.probe.targets", e.Entity);
        Assert.Contains("is not an IP address", e.Problem);
        Assert.Equal(6, e.Position.Line);
    }

    [Fact]
    public void An_icmp_target_with_a_port()
    {
        var e = Only(WithProbe("targets: [192.0.2.1:443]"));
        Assert.Contains("'192.0.2.1:443' has a port but icmp probes have none", e.Problem);
        Assert.Contains("kind: tcp", e.Fix);
    }

    [Theory]
    [InlineData("192.0.2.1", "'192.0.2.1:443'")]
    [InlineData("2001:db8::9", "'[2001:db8::9]:443'")]
    public void A_tcp_target_without_a_port(string target, string fix)
    {
        var e = Only(WithProbe($"kind: tcp\ntargets: [\"{target}\"]").Replace("gateway: 10.11.0.1", "gateway: 10.11.0.1\n    gateway6: 2001:db8::1"));
        Assert.Contains("has no port", e.Problem);
        Assert.Contains(fix, e.Fix);
    }

    [Theory]
    [InlineData("192.0.2.1:0")]
    [InlineData("192.0.2.1:65536")]
    [InlineData("192.0.2.1:https")]
    public void A_tcp_target_with_a_bad_port(string target)
    {
        var e = Only(WithProbe($"kind: tcp\ntargets: [\"{target}\"]"));
        Assert.Contains("is not a port from 1 to 65535", e.Problem);
    }

    [Fact]
    public void A_tcp_probe_needs_targets_because_the_gateway_has_no_port()
    {
        var e = Only(WithProbe("kind: tcp"));
        Assert.Equal("uplink 'isp1'.probe", e.Entity);
        Assert.Contains("no targets", e.Problem);
        Assert.Contains(":443", e.Fix);
    }

    [Fact]
    public void A_target_of_a_family_the_uplink_does_not_carry()
    {
        var e = Only(WithProbe("targets: [2001:db8::9]"));
        Assert.Contains("2001:db8::9 is IPv6 but the uplink carries only IPv4", e.Problem);
        Assert.Contains("gateway6", e.Fix);
    }

    [Fact]
    public void A_target_listed_twice()
    {
        var e = Only(WithProbe("targets: [192.0.2.1, 192.0.2.1]"));
        Assert.Contains("192.0.2.1 is listed twice", e.Problem);
        Assert.Equal(new SourcePosition(6, 28), e.Position);
    }

    [Theory]
    [InlineData("interval", "200")]
    [InlineData("interval", "5ms")]
    [InlineData("interval", "2h")]
    [InlineData("interval", "fast")]
    [InlineData("timeout", "-1s")]
    [InlineData("timeout", "2m")]
    public void Bad_durations(string key, string value)
    {
        var e = Only(WithProbe($"{key}: {value}"));
        Assert.Equal($"uplink 'isp1'.probe.{key}", e.Entity);
        Assert.Contains($"'{value}' is not a duration", e.Problem);
        Assert.Contains("'200ms'", e.Fix);
    }

    [Theory]
    [InlineData("down-after", "0")]
    [InlineData("down-after", "101")]
    [InlineData("up-after", "two")]
    public void Bad_counts(string key, string value)
    {
        var e = Only(WithProbe($"{key}: {value}"));
        Assert.Equal($"uplink 'isp1'.probe.{key}", e.Entity);
        Assert.Contains("from 1 to 100", e.Problem);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("most")]
    [InlineData("-1")]
    public void Bad_require(string value)
    {
        var e = Only(WithProbe($"require: {value}"));
        Assert.Equal("uplink 'isp1'.probe.require", e.Entity);
        Assert.Contains("'all'", e.Fix);
    }

    [Fact]
    public void Require_more_targets_than_listed()
    {
        var e = Only(WithProbe("targets: [192.0.2.1, 192.0.2.2]\nrequire: 3"));
        Assert.Contains("3 targets must answer but only 2 are listed", e.Problem);
        Assert.Contains("from 1 to 2", e.Fix);
    }

    [Fact]
    public void Every_probe_error_is_reported_in_one_pass()
    {
        var (_, errors) = ConfigLoader.TryLoadText(WithProbe("kind: tcp\ntargets: [192.0.2.1]\ninterval: 1\ndown-after: 0\nrequire: many"), "test.yaml");
        Assert.Equal(4, errors.Count);
        Assert.All(errors, e => Assert.True(e.Position.Line > 0, e.ToString()));
    }

    [Theory]
    [InlineData("200ms", 200)]
    [InlineData("1s", 1000)]
    [InlineData("0.25s", 250)]
    [InlineData("2m", 120_000)]
    public void Durations(string text, int ms) =>
        Assert.Equal(TimeSpan.FromMilliseconds(ms), ValidationContext.ParseDuration(text));

    [Theory]
    [InlineData("Infinitys")]
    [InlineData("NaNms")]
    [InlineData("-Infinitym")]
    [InlineData("99999999999999999999999999999999m")]
    [InlineData("1e3ms")]
    public void Words_and_numbers_no_TimeSpan_holds_are_not_durations(string text) =>
        Assert.Null(ValidationContext.ParseDuration(text));

    [Fact]
    public void A_non_finite_interval_is_an_error_with_its_line_not_an_exception()
    {
        var (model, errors) = ConfigLoader.TryLoadText(WithProbe("interval: Infinitys\ntimeout: NaNms"), "test.yaml");
        Assert.Null(model);
        Assert.Equal(["probe.interval", "probe.timeout"], errors.Select(e => e.Entity[e.Entity.IndexOf("probe", StringComparison.Ordinal)..]));
        Assert.All(errors, e => Assert.True(e.Position.Line > 0, e.ToString()));
    }
}
