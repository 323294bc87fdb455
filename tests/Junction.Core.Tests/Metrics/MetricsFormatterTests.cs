using System.Text.RegularExpressions;
using Junction.Status;
using Junction.Status.Tests;

namespace Junction.Metrics.Tests;

public sealed class MetricsFormatterTests
{
    internal static string Text()
    {
        var window = new NewConnectionWindow(TimeProvider.System);
        window.Record(new Dictionary<string, long> { ["isp1"] = 0, ["isp2"] = 0 });
        window.Record(new Dictionary<string, long> { ["isp1"] = 12, ["isp2"] = 3 });
        var kernel = new KernelFigures(new Dictionary<string, long>(),
            [new MarkCount(0x00010000, "10.1.1.1", 4), new MarkCount(0x00020000, "192.0.2.12", 2)],
            new Dictionary<string, InterfaceBytes> { ["wan1"] = new(10, 20), ["wan2"] = new(30, 40) }, [],
            new ConnectionCounting(FromEvents: true, Resyncs: 3, Overruns: 1, LastError: null));
        return MetricsFormatter.Format(StatusBuilder.Build(Snapshots.Two(), kernel, window));
    }

    [Theory]
    [InlineData("junction_uplink_up{uplink=\"isp1\",interface=\"wan1\"} 1")]
    [InlineData("junction_uplink_up{uplink=\"isp2\",interface=\"wan2\"} 0")]
    [InlineData("junction_uplink_state{uplink=\"isp2\",state=\"down\"} 1")]
    [InlineData("junction_uplink_probe_rtt_seconds{uplink=\"isp1\"} 0.0012")]
    [InlineData("junction_uplink_probe_loss_ratio{uplink=\"isp2\"} 1")]
    [InlineData("junction_uplink_new_connections_total{uplink=\"isp1\"} 12")]
    [InlineData("junction_uplink_connections{uplink=\"isp1\"} 4")]
    [InlineData("junction_uplink_receive_bytes_total{uplink=\"isp2\",interface=\"wan2\"} 30")]
    [InlineData("junction_uplink_state_changes_total{uplink=\"isp2\"} 2")]
    [InlineData("junction_snat_address_connections{uplink=\"isp2\",address=\"192.0.2.12\"} 2")]
    [InlineData("junction_snat_address_connections{uplink=\"isp2\",address=\"192.0.2.11\"} 0")]
    [InlineData("junction_applies_total 4")]
    [InlineData("junction_apply_failures_total 1")]
    [InlineData("junction_last_apply_duration_seconds 0.041")]
    [InlineData("junction_fallback 0")]
    [InlineData("junction_conntrack_counts_from_events 1")]
    [InlineData("junction_conntrack_count_resyncs_total 3")]
    [InlineData("junction_conntrack_event_overruns_total 1")]
    public void Every_figure_is_exported(string line) => Assert.Contains(line + "\n", Text());

    [Fact]
    public void Without_word_of_how_connections_were_counted_no_conntrack_counting_family_is_announced()
    {
        var kernel = new KernelFigures(new Dictionary<string, long>(), [], new Dictionary<string, InterfaceBytes>(), []);
        var text = MetricsFormatter.Format(StatusBuilder.Build(Snapshots.Two(), kernel, new NewConnectionWindow(TimeProvider.System)));
        Assert.DoesNotContain("junction_conntrack_", text);
    }

    [Fact]
    public void Every_sample_belongs_to_a_family_announced_before_it()
    {
        var announced = new HashSet<string>();
        foreach (var line in Text().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var type = Regex.Match(line, "^# TYPE (\\S+) (gauge|counter)$");
            if (type.Success) { announced.Add(type.Groups[1].Value); continue; }
            if (line.StartsWith('#')) continue;
            var name = Regex.Match(line, "^[a-z_]+").Value;
            Assert.Contains(name, announced);
            Assert.StartsWith("junction_", name);
        }
    }
}
