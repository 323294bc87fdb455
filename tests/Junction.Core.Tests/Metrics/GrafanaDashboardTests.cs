using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Junction.Tests;

namespace Junction.Metrics.Tests;

/// <summary>
/// packaging/grafana/junction-dashboard.json imports as is: valid JSON, the data source an
/// import input, and every metric it queries one Junction exports (a renamed metric would
/// otherwise leave an empty panel behind).
/// </summary>
public sealed partial class GrafanaDashboardTests
{
    private static readonly string Json = File.ReadAllText(Repo.Path("packaging", "grafana", "junction-dashboard.json"));

    [Fact]
    public void The_data_source_is_an_import_input_used_by_every_panel()
    {
        var root = JsonNode.Parse(Json)!;
        Assert.Equal("DS_PROMETHEUS", (string?)root["__inputs"]![0]!["name"]);
        var panels = root["panels"]!.AsArray();
        Assert.NotEmpty(panels);
        foreach (var panel in panels)
        {
            Assert.Equal("${DS_PROMETHEUS}", (string?)panel!["datasource"]!["uid"]);
            Assert.All(panel["targets"]!.AsArray(), t => Assert.Equal("${DS_PROMETHEUS}", (string?)t!["datasource"]!["uid"]));
        }
        Assert.Equal(panels.Count, panels.Select(p => (int)p!["id"]!).Distinct().Count());
    }

    [Fact]
    public void Every_metric_it_queries_is_one_junction_exports()
    {
        var exported = ExportedFamily().Matches(MetricsFormatterTests.Text()).Select(m => m.Groups[1].Value).ToHashSet();
        var queried = MetricName().Matches(Json).Select(m => m.Value).ToHashSet();
        Assert.NotEmpty(queried);
        Assert.All(queried, name => Assert.Contains(name, exported));
    }

    [Fact]
    public void Every_metric_junction_exports_is_on_a_panel()
    {
        // The reverse of the test above: a metric added to MetricsFormatter without a panel was
        // invisible to whoever imports the dashboard (the operator overrides, the tiers, the
        // conntrack counting health, traffic and SNAT pools all were).
        var exported = ExportedFamily().Matches(MetricsFormatterTests.Text()).Select(m => m.Groups[1].Value).ToHashSet();
        var panels = JsonNode.Parse(Json)!["panels"]!.AsArray()
            .SelectMany(p => p!["targets"]!.AsArray().Select(t => (string)t!["expr"]!))
            .SelectMany(expr => MetricName().Matches(expr).Select(m => m.Value)).ToHashSet();
        Assert.Contains("junction_conntrack_event_overruns_total", exported);
        Assert.Empty(exported.Except(panels).Order());
    }

    [Fact]
    public void It_has_the_panels_operators_look_for()
    {
        var titles = JsonNode.Parse(Json)!["panels"]!.AsArray().Select(p => (string)p!["title"]!).ToList();
        Assert.Contains("Uplink state", titles);
        Assert.Contains("Planned vs actual share of new connections", titles);
        Assert.Contains("New connections per uplink", titles);
        Assert.Contains("Probe RTT", titles);
        Assert.Contains("Probe loss", titles);
        Assert.Contains("Failover events", titles);
        Assert.Contains("Operator overrides", titles);
        Assert.Contains("Conntrack counting", titles);
    }

    [GeneratedRegex(@"(?m)^# TYPE (\S+) ")]
    private static partial Regex ExportedFamily();

    [GeneratedRegex(@"junction_[a-z_]+")]
    private static partial Regex MetricName();
}
