namespace Junction.Configuration.Tests;

/// <summary>Every kind of error, each reported with its position, entity, value and a fix.</summary>
public sealed class ConfigValidatorTests
{
    private const string Good = """
        lan: [lan0]
        uplinks:
          - name: isp1
            interface: wan1
            gateway: 10.11.0.1
          - name: isp2
            interface: wan2
            gateway: 10.12.0.1
        """;

    private static IReadOnlyList<ConfigError> Errors(string yaml)
    {
        var (model, errors) = ConfigLoader.TryLoadText(yaml, "test.yaml");
        Assert.True(model is null == errors.Count > 0);
        return errors;
    }

    private static ConfigError Only(string yaml) => Assert.Single(Errors(yaml));

    [Fact]
    public void The_good_file_has_no_errors() => Assert.Empty(Errors(Good));

    [Fact]
    public void Unknown_key_names_the_closest_known_one_and_its_position()
    {
        var e = Only(Good.Replace("gateway: 10.12.0.1", "gatway: 10.12.0.1"));
        Assert.Equal("uplink 'isp2'", e.Entity);
        Assert.Contains("unknown key 'gatway'", e.Problem);
        Assert.Contains("did you mean 'gateway'", e.Fix);
        Assert.Equal(new SourcePosition(8, 5), e.Position);
        Assert.StartsWith("test.yaml:8:5: uplink 'isp2': unknown key 'gatway'", e.ToString());
    }

    [Fact]
    public void An_unknown_top_level_key_does_not_hide_other_errors()
    {
        var errors = Errors("balanse: random\n" + Good.Replace("weight", "x").Replace("gateway: 10.12.0.1", "gateway: 10.12.0.300"));
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Problem.Contains("'10.12.0.300' is not an IP address"));
    }

    [Fact]
    public void Unknown_top_level_key()
    {
        var e = Only("balanse: random\n" + Good);
        Assert.Contains("did you mean 'balance'", e.Fix);
        Assert.Equal(1, e.Position.Line);
    }

    [Fact]
    public void All_errors_are_reported_in_one_pass()
    {
        var errors = Errors("""
            balance: roundrobin
            mark-mask: 0x00f0f000
            uplinks:
              - name: ISP_1
                interface: "wan 1"
                gateway: 10.11.0.300
                weight: 0
              - name: isp2
                interface: wan2
            pin:
              - { to: 203.0.113.0/24, via: ips2 }
            """);
        Assert.Equal(7, errors.Count);
        Assert.Contains(errors, e => e.Entity == "balance" && e.Fix!.Contains("round-robin"));
        Assert.Contains(errors, e => e.Entity == "mark-mask" && e.Problem.Contains("gaps"));
        Assert.Contains(errors, e => e.Problem.Contains("'ISP_1'"));
        Assert.Contains(errors, e => e.Problem.Contains("'wan 1' is not a valid Linux interface name"));
        Assert.Contains(errors, e => e.Problem.Contains("'10.11.0.300' is not an IP address"));
        Assert.Contains(errors, e => e.Problem.Contains("'0' is not a weight from 1 to 1000"));
        Assert.Contains(errors, e => e.Entity == "pin[0].via" && e.Fix == "did you mean 'isp2'?");
        Assert.All(errors, e => Assert.True(e.Position.Line > 0, e.ToString()));
    }

    [Fact]
    public void Duplicate_uplink_names()
    {
        var e = Only(Good.Replace("name: isp2", "name: isp1"));
        Assert.Contains("already used by the uplink at line 3", e.Problem);
    }

    [Fact]
    public void Duplicate_interfaces()
    {
        var e = Only(Good.Replace("interface: wan2", "interface: wan1"));
        Assert.Contains("'wan1' is already the interface of uplink 'isp1'", e.Problem);
    }

    [Fact]
    public void An_interface_cannot_be_lan_and_uplink()
    {
        var e = Only(Good.Replace("lan: [lan0]", "lan: [wan2]"));
        Assert.Contains("also listed under 'lan'", e.Problem);
    }

    [Theory]
    [InlineData("eth0:1")]
    [InlineData("a/b")]
    [InlineData("sixteen-chars-xx")]
    [InlineData("..")]
    public void Bad_interface_names(string name)
    {
        var e = Only(Good.Replace("interface: wan2", $"interface: \"{name}\""));
        Assert.Contains("not a valid Linux interface name", e.Problem);
    }

    [Theory]
    [InlineData("10.0.0.1/8")]
    [InlineData("10.0.0.0/33")]
    [InlineData("banana")]
    [InlineData("10.1")]
    [InlineData("1.2.3")]
    [InlineData("10.0/16")]
    public void Bad_cidrs(string cidr)
    {
        var e = Only($"bypass: [\"{cidr}\"]\n" + Good);
        Assert.Equal("bypass", e.Entity);
        Assert.Contains(cidr, e.Problem);
    }

    [Fact]
    public void A_pin_to_an_uplink_with_errors_of_its_own_gets_no_false_no_uplink_is_named()
    {
        // isp1's probe error left isp1 out of the valid uplinks; the pin once said "no uplink is named 'isp1' (expected one of: )".
        var e = Only(Good.Replace("gateway: 10.11.0.1", "gateway: 10.11.0.1\n    probe: { kind: tcp, targets: [192.0.2.1] }")
            + "\npin:\n  - { to: 203.0.113.0/24, via: isp1 }\n");
        Assert.Equal("uplink 'isp1'.probe.targets", e.Entity);
    }

    [Fact]
    public void A_pin_to_a_missing_uplink_is_offered_every_declared_name_also_of_uplinks_with_errors()
    {
        // isp1's probe error leaves it out of the valid uplinks; it is still a name the file declares.
        var errors = Errors(Good.Replace("gateway: 10.11.0.1", "gateway: 10.11.0.1\n    probe: { kind: tcp, targets: [192.0.2.1] }")
            + "\npin:\n  - { to: 203.0.113.0/24, via: office }\n");
        var pin = Assert.Single(errors, e => e.Entity == "pin[0].via");
        Assert.Equal("expected one of: isp1, isp2", pin.Fix);
    }

    [Fact]
    public void Errors_are_listed_in_the_order_of_the_file()
    {
        // The validators go section by section: unknown keys first, an uplink's missing interface
        // after its misspelt weight, local: after uplinks. validate printed 4:74, 6:16, 8:10, 2:8, ...
        var errors = Errors("""
            lan: lan0
            local: maybe
            uplinks:
              - { name: isp1, interface: wan1, gateway: 10.0.0.1, weight: two, tier: [1] }
              - name: isp2
                interfase: wan2
            metrics: 9419
            flush: yes
            """);
        Assert.True(errors.Count >= 6, string.Join('\n', errors));
        var positions = errors.Select(e => (e.Position.Line, e.Position.Column)).ToList();
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public void A_pin_to_a_short_ipv4_form_is_refused_not_read_as_another_address()
    {
        // IPAddress reads "192.168.1" as 192.168.0.1 (inet_aton): the pin would match one host the user never wrote.
        var e = Only(Good + "\npin:\n  - { to: 192.168.1, via: isp1 }\n");
        Assert.Equal("pin[0].to", e.Entity);
        Assert.Contains("'192.168.1' is not an address or a network", e.Problem);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("10.1")]
    [InlineData("fe80::1%eth0")]
    public void Bad_addresses(string address)
    {
        var e = Only(Good.Replace("gateway: 10.12.0.1", $"gateway: \"{address}\""));
        Assert.Contains("is not an IP address", e.Problem);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("-3")]
    [InlineData("two")]
    public void Weights_out_of_range(string weight)
    {
        var e = Only(Good.Replace("gateway: 10.12.0.1", $"gateway: 10.12.0.1\n    weight: {weight}"));
        Assert.Equal("uplink 'isp2'.weight", e.Entity);
        Assert.Contains("from 1 to 1000", e.Problem);
    }

    [Fact]
    public void Via_naming_no_uplink()
    {
        var e = Only(Good + "\npin:\n  - { to: 203.0.113.0/24, via: office }\n");
        Assert.Contains("no uplink is named 'office'", e.Problem);
    }

    [Fact]
    public void Pool_address_of_a_family_the_uplink_cannot_use()
    {
        var e = Only(Good.Replace("gateway: 10.12.0.1", "gateway: 10.12.0.1\n    snat: { addresses: ['2001:db8::5'] }"));
        Assert.Contains("is IPv6 but the uplink carries only IPv4", e.Problem);
        Assert.Contains("gateway6", e.Fix);
    }

    [Fact]
    public void Pool_needs_addresses_and_no_duplicates()
    {
        var errors = Errors(Good
            .Replace("gateway: 10.12.0.1", "gateway: 10.12.0.1\n    snat: { addresses: [10.12.0.5, 10.12.0.5] }")
            .Replace("gateway: 10.11.0.1", "gateway: 10.11.0.1\n    snat: { spread: random }"));
        Assert.Contains(errors, e => e.Problem.Contains("listed twice"));
        Assert.Contains(errors, e => e.Problem.Contains("pool has no addresses"));
    }

    [Fact]
    public void Unknown_snat_mode_and_spread()
    {
        var errors = Errors(Good
            .Replace("gateway: 10.12.0.1", "gateway: 10.12.0.1\n    snat: masq")
            .Replace("gateway: 10.11.0.1", "gateway: 10.11.0.1\n    snat: { addresses: [10.11.0.5], spread: rr }"));
        Assert.Contains(errors, e => e.Entity == "uplink 'isp2'.snat" && e.Fix!.Contains("masquerade"));
        Assert.Contains(errors, e => e.Entity == "uplink 'isp1'.snat.spread");
    }

    [Fact]
    public void Conflicting_ids_share_a_mark_and_table()
    {
        var e = Only(Good.Replace("interface: wan2", "interface: wan2\n    id: 1"));
        Assert.Contains("would share mark 0x00010000 and routing table 1000 with uplink 'isp1'", e.Problem);
    }

    [Fact]
    public void Id_must_fit_the_mask()
    {
        var e = Only("mark-mask: 0x00000300\n" + Good.Replace("interface: wan2", "interface: wan2\n    id: 4"));
        Assert.Contains("from 1 to 3", e.Problem);
    }

    [Fact]
    public void A_mask_too_small_for_the_uplinks()
    {
        var e = Only("mark-mask: 0x1\n" + Good);
        Assert.Contains("holds only 1", e.Problem);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("zz")]
    [InlineData("0x100000000")]
    public void Bad_masks(string mask)
    {
        var e = Only($"mark-mask: {mask}\n" + Good);
        Assert.Equal("mark-mask", e.Entity);
    }

    [Fact]
    public void Tables_that_overlap_the_reserved_ones()
    {
        var e = Only("table-base: 253\n" + Good);
        Assert.Equal("table-base", e.Entity);
        Assert.Contains("reserved", e.Problem);
    }

    [Fact]
    public void Rule_priorities_past_main()
    {
        // Two uplinks own priorities 32764-32766: the last is the main table's rule.
        var e = Only("rule-priority: 32764\n" + Good);
        Assert.Equal("rule-priority", e.Entity);
        Assert.Contains("32766", e.Problem);
    }

    [Fact]
    public void Pin_port_needs_a_port_protocol_and_a_valid_range()
    {
        var errors = Errors(Good + "\npin:\n  - { to: 203.0.113.0/24, port: 443, via: isp1 }\n  - { protocol: tcp, port: 90-80, via: isp1 }\n  - { via: isp1 }\n");
        Assert.Contains(errors, e => e.Entity == "pin[0].port" && e.Fix!.Contains("protocol: tcp"));
        Assert.Contains(errors, e => e.Entity == "pin[1].port" && e.Problem.Contains("90-80"));
        Assert.Contains(errors, e => e.Entity == "pin[2]" && e.Problem.Contains("matches every connection"));
    }

    [Fact]
    public void Pin_to_an_uplink_without_the_family()
    {
        var e = Only(Good + "\npin:\n  - { to: '2001:db8::/32', via: isp1 }\n");
        Assert.Contains("does not carry IPv6", e.Problem);
    }

    [Fact]
    public void No_uplinks()
    {
        var e = Only("lan: [lan0]\n");
        Assert.Equal("uplinks", e.Entity);
        Assert.Contains("no uplinks", e.Problem);
    }

    [Fact]
    public void Missing_name_and_interface()
    {
        var errors = Errors("uplinks:\n  - { gateway: 10.0.0.1 }\n");
        Assert.Contains(errors, e => e.Problem == "has no name");
        Assert.Contains(errors, e => e.Problem == "has no interface");
    }

    [Fact]
    public void Wrong_shapes()
    {
        var errors = Errors("uplinks:\n  name: isp1\nlan: { a: b }\n");
        Assert.Contains(errors, e => e.Entity == "uplinks" && e.Problem.Contains("must be a list"));
        Assert.Contains(errors, e => e.Entity == "lan" && e.Problem.Contains("must be a list"));
    }

    [Fact]
    public void Yaml_syntax_errors_have_a_position()
    {
        var e = Only("uplinks:\n  - name: a\n   interface: [\n");
        Assert.Equal("yaml", e.Entity);
        Assert.True(e.Position.Line >= 2);
    }

    [Fact]
    public void An_unclosed_list_followed_by_more_lines_is_an_error_not_a_crash()
    {
        var e = Only("lan: [lan0\nuplinks:\n  - name: isp1\n    interface: wan1\n");
        Assert.Equal("yaml", e.Entity);
        Assert.Equal(new SourcePosition(1, 6), e.Position);
        Assert.Contains("never closed", e.Problem);
    }

    [Fact]
    public void A_second_yaml_document_is_refused_not_ignored()
    {
        var e = Only(Good + "\n---\nlan: [x]\n");
        Assert.Contains("more than one YAML document", e.Problem);
    }

    [Fact]
    public void Tabs_get_the_tab_hint_and_other_syntax_errors_do_not()
    {
        Assert.Contains("tabs", Only("uplinks:\n\t- name: a\n").Fix);
        Assert.DoesNotContain("tabs", Only("uplinks: [a\nlan: ]\n").Fix ?? "");
    }

    [Fact]
    public void A_directory_is_not_a_configuration_file()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Path.GetTempPath()));
        Assert.Contains("is a directory", Assert.Single(ex.Errors).Problem);
    }

    [Fact]
    public void Empty_file()
    {
        var e = Only("");
        Assert.Contains("empty", e.Problem);
    }

    [Fact]
    public void Boolean_local()
    {
        var e = Only("local: maybe\n" + Good);
        Assert.Equal("local", e.Entity);
    }

    [Fact]
    public void Family_must_agree_with_gateways()
    {
        var e = Only(Good.Replace("gateway: 10.12.0.1", "gateway: 10.12.0.1\n    family: ipv6"));
        Assert.Contains("does not include the family of the gateway", e.Problem);
    }

    [Fact]
    public void Missing_file_is_an_error_not_a_crash()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load("/nonexistent/junction.yaml"));
        Assert.Contains("no configuration file here", Assert.Single(ex.Errors).Problem);
    }

    [Fact]
    public void Flush_defaults_to_dead_and_accepts_none()
    {
        Assert.Equal(Model.FlushPolicy.Dead, ConfigLoader.LoadText(Good, "test.yaml").Flush);
        Assert.Equal(Model.FlushPolicy.Dead, ConfigLoader.LoadText("flush: dead\n" + Good, "test.yaml").Flush);
        Assert.Equal(Model.FlushPolicy.None, ConfigLoader.LoadText("flush: none\n" + Good, "test.yaml").Flush);
    }

    [Fact]
    public void Flush_with_another_word_is_an_error_with_a_suggestion()
    {
        var e = Only("flush: deadd\n" + Good);
        Assert.Equal("flush", e.Entity);
        Assert.Equal(new SourcePosition(1, 8), e.Position);
        Assert.Contains("'deadd' is not a valid value", e.Problem);
        Assert.Contains("did you mean 'dead'", e.Fix);
    }
}
