using System.Text;

namespace Junction.Configuration.Tests;

/// <summary>Issue 11: validation that keeps a configuration from damaging the host, and the small reporting defects.</summary>
public sealed class SafetyValidationTests
{
    private static IReadOnlyList<ConfigError> Errors(string yaml) => ConfigLoader.TryLoadText(yaml, "t.yaml").Errors;

    private const string Two = """
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.11.0.1 }
          - { name: isp2, interface: wan2, gateway: 10.12.0.1 }
        """;

    [Fact]
    public void A_low_table_base_is_fine_when_the_uplinks_tables_stay_below_the_kernels()
    {
        var model = ConfigLoader.LoadText("table-base: 100\n" + Two, "t.yaml");
        Assert.Equal((100u, 101u), (model.Marks.Table(1), model.Marks.Table(2)));
    }

    [Theory]
    [InlineData("table-base: 253\n", "routing tables 253-254", "default (253), main (254)")]
    [InlineData("table-base: 255\n", "routing tables 255-256", "local (255)")]
    [InlineData("table-base: 200\n", "routing tables 200-259", "default (253), main (254), local (255)")]
    public void Tables_that_meet_the_kernels_own_are_refused(string head, string range, string which)
    {
        var yaml = head + Two;
        if (head.Contains("200")) yaml = yaml.Replace("gateway: 10.12.0.1 }", "gateway: 10.12.0.1, id: 60 }");
        var e = Assert.Single(Errors(yaml));
        Assert.Equal("table-base", e.Entity);
        Assert.Equal(new SourcePosition(1, 13), e.Position);
        Assert.Contains(range, e.Problem);
        Assert.Contains(which, e.Problem);
        Assert.Contains("table-base: 1000", e.Fix);
    }

    [Fact]
    public void Rule_priority_needs_room_only_for_the_uplinks_configured()
    {
        // Three uplinks own priorities 32700-32703: clear of the main table's rule at 32766.
        Assert.Empty(Errors("rule-priority: 32700\n" + Two + "\n  - { name: isp3, interface: wan3 }"));

        var e = Assert.Single(Errors("rule-priority: 32760\n" + Two.Replace("gateway: 10.12.0.1 }", "gateway: 10.12.0.1, id: 6 }")));
        Assert.Equal("rule-priority", e.Entity);
        Assert.Contains("priorities 32760-32766", e.Problem);
        Assert.Contains("from 1 to 32759", e.Fix);
    }

    [Fact]
    public void A_tab_is_reported_where_it_is()
    {
        var first = Assert.Single(Errors("uplinks:\n\t- name: a\n"));
        Assert.Equal(new SourcePosition(2, 1), first.Position);

        var later = Assert.Single(Errors("lan: [lan0]\nuplinks:\n  - name: isp1\n    interface: wan1\n    gateway: 10.1.1.1\n  \tweight: 3\n"));
        Assert.Equal(new SourcePosition(6, 3), later.Position);
        Assert.Contains("tabs", later.Fix);
    }

    [Fact]
    public void Widening_the_mask_is_suggested_only_when_it_would_help()
    {
        var uplinks = string.Concat(Enumerable.Range(1, 8).Select(i => $"  - {{ name: u{i}, interface: w{i} }}\n"));
        var narrow = Assert.Single(Errors("mark-mask: 0x00000700\nuplinks:\n" + uplinks));
        Assert.Contains("holds only 7", narrow.Problem);
        Assert.Contains("widen 'mark-mask'", narrow.Fix);
        Assert.Contains("0x00000f00", narrow.Fix);

        var many = string.Concat(Enumerable.Range(1, 1025).Select(i => $"  - {{ name: u{i}, interface: w{i} }}\n"));
        foreach (var full in new[] { "0xffffffff", "0x0000ffff" })
        {
            var e = Assert.Single(Errors($"mark-mask: {full}\nuplinks:\n" + many));
            Assert.Contains("holds only 1024", e.Problem);
            Assert.DoesNotContain("widen", e.Fix);
            Assert.Contains("at most 1024 uplinks", e.Fix);
        }
    }

    [Fact]
    public void A_pool_of_100000_addresses_validates_and_a_duplicate_at_its_end_is_found()
    {
        // Quadratic before (92 s); bench/Junction.Bench.ControlPlane times it, this checks the result.
        var yaml = new StringBuilder("uplinks:\n  - name: isp1\n    interface: wan1\n    snat:\n      addresses:\n");
        for (var i = 0; i < 100_000; i++)
            yaml.Append("        - 10.").Append(i >> 16).Append('.').Append((i >> 8) & 255).Append('.').Append(i & 255).Append('\n');

        var model = ConfigLoader.LoadText(yaml.ToString(), "t.yaml");
        Assert.Equal(100_000, model.Uplinks[0].Snat.Pool.Count);

        var e = Assert.Single(Errors(yaml.Append("        - 10.0.0.7\n").ToString()));
        Assert.Equal(new SourcePosition(100_006, 11), e.Position);
        Assert.Contains("10.0.0.7 is listed twice", e.Problem);
    }
}
