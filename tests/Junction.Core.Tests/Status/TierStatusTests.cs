using Junction.Health;
using Junction.Health.Tests;
using Junction.Metrics;

namespace Junction.Status.Tests;

/// <summary>Status and metrics of a configuration with a reserve uplink.</summary>
public sealed class TierStatusTests
{
    private static StatusReport Report(DaemonSnapshot snapshot)
    {
        var window = new NewConnectionWindow(new ManualTime());
        var kernel = new KernelFigures(new Dictionary<string, long>(),
            [new MarkCount(0x00010000, "10.100.1.2", 6), new MarkCount(0x00030000, "10.64.0.2", 2)],
            new Dictionary<string, InterfaceBytes> { ["wan1"] = new(1000, 2000), ["wwan0"] = new(123456789, 98765432) }, []);
        return StatusBuilder.Build(snapshot, kernel, window);
    }

    [Fact]
    public void A_tier_column_tells_in_use_from_reserve_and_the_table_still_fits_120_columns()
    {
        var tiered = Snapshots.Tiered();
        var snapshot = tiered with
        {
            Uplinks = [.. tiered.Uplinks.Select(u => u.Name == "isp2" ? u with
            {
                Reason = "3 failed rounds in a row: 0/3 answered, 1 required: 10.100.3.1 no echo reply within 300 ms, 10.100.3.9 no echo reply within 300 ms",
            } : u)],
        };

        var text = StatusFormatter.Format(Report(snapshot));

        Assert.All(text.Split('\n'), l => Assert.True(l.Length <= 120, $"{l.Length} columns: {l}"));
        Assert.Matches(@"(?m)^UPLINK\s+INTERFACE\s+STATE\s+TIER\s", text);
        Assert.Matches(@"(?m)^isp1\s+wan1\s+up\s+1 in use\s", text);
        Assert.Matches(@"(?m)^isp2\s+wan2 \(no carrier\)\s+down\s+1\s", text);
        Assert.Matches(@"(?m)^lte\s+wwan0\s+up\s+2 reserve\s", text);
        Assert.Contains("tier 1 takes new connections; in reserve: lte (tier 2, ready)", text);
        Assert.Contains("failback: connections left on worse tiers are flushed in 25s if the better tier stays healthy", text);
    }

    [Fact]
    public void An_uplink_the_operator_drained_or_forced_down_is_not_called_reserve()
    {
        // Seen in the lab: isp1 drained and isp2 forced down (both healthy) showed '1 reserve',
        // and a drained tier-2 uplink was 'ready' in the reserve line.
        var tiered = Snapshots.Tiered();
        var snapshot = tiered with
        {
            Uplinks = [.. tiered.Uplinks.Select(u => u.Name switch
            {
                "isp1" => u with { Operator = OperatorMode.Down, InUse = false },
                "isp2" => u with { State = HealthState.Up, Operator = OperatorMode.Drain, InUse = false },
                _ => u with { Operator = OperatorMode.Drain },
            })],
        };
        var withLteInUse = snapshot with { Uplinks = [.. snapshot.Uplinks.Select(u => u.Name == "lte" ? u with { Operator = OperatorMode.Auto, InUse = true } : u)] };

        var text = StatusFormatter.Format(Report(withLteInUse));
        Assert.Matches(@"(?m)^isp1\s+wan1\s+up \(forced down\)\s+1\s{2,}\d", text);
        Assert.Matches(@"(?m)^isp2\s+wan2 \(no carrier\)\s+up \(drained\)\s+1\s{2,}\d", text);
        Assert.Matches(@"(?m)^lte\s+wwan0\s+up\s+2 in use\s", text);

        var reserveDrained = StatusFormatter.Format(Report(snapshot with
        {
            Uplinks = [.. snapshot.Uplinks.Select(u => u.Name == "isp1" ? u with { Operator = OperatorMode.Auto, InUse = true } : u)],
        }));
        Assert.Contains("tier 1 takes new connections; in reserve: lte (tier 2, drained)", reserveDrained);
        Assert.Matches(@"(?m)^lte\s+wwan0\s+up \(drained\)\s+2\s{2,}\d", reserveDrained);
    }

    [Fact]
    public void Without_tiers_there_is_no_tier_column_or_line()
    {
        var text = StatusFormatter.Format(Report(Snapshots.Two()));

        Assert.DoesNotContain("TIER", text);
        Assert.DoesNotContain("tier", text);
    }

    [Fact]
    public void Status_json_carries_tier_and_use()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(Snapshots.Tiered(), StatusJson.Options);

        Assert.Contains("\"tier\": 2", json);
        Assert.Contains("\"inUse\": true", json);
        Assert.Contains("\"failbackDue\": \"2025-01-01T12:00:25+00:00\"", json);
    }

    [Theory]
    [InlineData("junction_uplink_tier{uplink=\"lte\"} 2")]
    [InlineData("junction_uplink_tier{uplink=\"isp1\"} 1")]
    [InlineData("junction_uplink_in_use{uplink=\"isp1\"} 1")]
    [InlineData("junction_uplink_in_use{uplink=\"isp2\"} 0")]
    [InlineData("junction_uplink_in_use{uplink=\"lte\"} 0")]
    [InlineData("junction_uplink_up{uplink=\"lte\",interface=\"wwan0\"} 1")]
    public void Metrics_give_each_uplinks_tier_and_whether_it_is_in_use(string line) =>
        Assert.Contains(line + "\n", MetricsFormatter.Format(Report(Snapshots.Tiered())));
}
