using Junction.Health.Tests;

namespace Junction.Status.Tests;

public sealed class StatusBuilderTests
{
    private static StatusReport Report()
    {
        var time = new ManualTime();
        var window = new NewConnectionWindow(time);
        window.Record(new Dictionary<string, long> { ["isp1"] = 0, ["isp2"] = 0 });
        time.Advance(TimeSpan.FromSeconds(60));
        window.Record(new Dictionary<string, long> { ["isp1"] = 30, ["isp2"] = 10 });
        var kernel = new KernelFigures(
            new Dictionary<string, long> { ["isp1"] = 30, ["isp2"] = 10 },
            [
                new MarkCount(0x00010000, "10.100.1.2", 6),
                new MarkCount(0x00010005, "10.100.1.2", 2),   // another tool's bits below Junction's mask
                new MarkCount(0x00020000, "192.0.2.11", 1),
                new MarkCount(0x00020000, "192.0.2.12", 1),
                new MarkCount(0, "10.0.0.1", 50),              // not Junction's
            ],
            new Dictionary<string, InterfaceBytes> { ["wan1"] = new(1000, 2000) },
            []);
        return StatusBuilder.Build(Snapshots.Two(), kernel, window);
    }

    [Fact]
    public void Live_connections_are_counted_by_junctions_mark_bits_only()
    {
        var r = Report();
        Assert.Equal([8L, 2L], r.Uplinks.Select(u => u.Connections));
        Assert.Equal(10, r.Connections);
        Assert.Equal(0.8, r.Uplinks[0].ConnectionShare);
    }

    [Fact]
    public void New_connections_and_their_shares_come_from_the_window()
    {
        var r = Report();
        Assert.Equal(TimeSpan.FromSeconds(60), r.Window);
        Assert.Equal([30L, 10L], r.Uplinks.Select(u => u.NewConnections));
        Assert.Equal([0.75, 0.25], r.Uplinks.Select(u => u.NewShare!.Value));
    }

    [Fact]
    public void Pool_use_is_counted_per_address_and_interface_bytes_are_joined()
    {
        var r = Report();
        Assert.Equal([new SnatUse("192.0.2.11", 1), new SnatUse("192.0.2.12", 1)], r.Uplinks[1].Snat);
        Assert.Equal(1000, r.Uplinks[0].ReceiveBytes);
        Assert.Null(r.Uplinks[1].ReceiveBytes);
    }

    [Fact]
    public void Status_says_where_live_counts_came_from_and_whether_events_were_lost()
    {
        var report = Report();
        Assert.DoesNotContain("conntrack events", StatusFormatter.Format(report));

        var kept = StatusFormatter.Format(report with { Counting = new ConnectionCounting(true, 1, 0, null) });
        Assert.Contains("LIVE is kept from conntrack events (1 resync from a dump so far).", kept);

        var lossy = StatusFormatter.Format(report with { Counting = new ConnectionCounting(true, 4, 2, "conntrack dump: ENOMEM") }, width: 200);
        Assert.Contains("(4 resyncs from a dump so far; the kernel dropped events 2 times, each followed by a resync; the last resync failed: conntrack dump: ENOMEM).", lossy);

        var dumped = StatusFormatter.Format(report with { Counting = new ConnectionCounting(false, 0, 0, null) }, width: 200);
        Assert.Contains("LIVE was dumped from the conntrack table for this report", dumped);
        var json = StatusJson.Serialize(report with { Counting = new ConnectionCounting(true, 1, 0, null) });
        Assert.Contains("\"counting\": {", json);
        Assert.Contains("\"fromEvents\": true", json);
    }

    [Fact]
    public void The_table_fits_120_columns_with_reasons_below_it_and_no_rtt_for_a_link_that_is_down()
    {
        var report = Report();
        var long_ = report with
        {
            Daemon = report.Daemon with
            {
                Uplinks = [report.Daemon.Uplinks[0], report.Daemon.Uplinks[1] with
                {
                    Rtt = TimeSpan.FromMilliseconds(0.1),
                    Reason = "3 failed rounds in a row: 0/3 answered, 1 required: 10.100.3.1 no echo reply within 300 ms, 10.100.3.9 no echo reply within 300 ms, 198.51.100.1 no echo reply within 300 ms",
                }],
            },
        };

        var text = StatusFormatter.Format(long_);

        Assert.All(text.Split('\n'), l => Assert.True(l.Length <= 120, $"{l.Length} columns: {l}"));
        Assert.Matches(@"(?m)^isp2\s+wan2 \(no carrier\)\s+down\s+40s ago\s+-\s+100 %", text);
        Assert.Contains("\nisp2: down 40s ago: 3 failed rounds in a row: 0/3 answered", text);
        Assert.Contains("\n    ", text);   // the long reason goes on, indented
        Assert.DoesNotContain("Left out", text);
    }

    [Fact]
    public void A_narrow_terminal_loses_the_least_needed_columns_and_is_told_so()
    {
        var text = StatusFormatter.Format(Report(), width: 80);

        Assert.All(text.Split('\n'), l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        var header = text.Split('\n').Single(l => l.StartsWith("UPLINK"));
        Assert.DoesNotContain("TX", header);
        Assert.DoesNotContain("RX", header);
        Assert.Contains("STATE", header);
        Assert.Contains("LIVE", header);
        Assert.Contains("Left out to fit 80 columns: ", text);
        Assert.Contains("RX, TX", text);
        Assert.Contains("\u001b[31mdown\u001b[0m", StatusFormatter.Format(Report(), colour: true, width: 80));
    }

    [Fact]
    public void A_table_the_daemon_does_not_recognise_is_a_warning()
    {
        var report = Report();
        var text = StatusFormatter.Format(report with { Daemon = report.Daemon with { TableDrift = "nftables table inet junction missing: the kernel does not hold the daemon's plan" } });
        Assert.Contains("warning: nftables table inet junction missing: the kernel does not hold the daemon's plan; the daemon is re-applying it\n", text);
        Assert.DoesNotContain("warning:", StatusFormatter.Format(report));
    }

    [Fact]
    public void Json_writes_marks_as_hex_strings_like_plan_and_leaves_quotes_and_arrows_unescaped()
    {
        var report = Report();
        report = report with { Daemon = report.Daemon with { Uplinks = [report.Daemon.Uplinks[0] with { Reason = "it's -> <there>" }, report.Daemon.Uplinks[1]] } };

        var json = System.Text.Json.JsonSerializer.Serialize(report, StatusJson.Options);

        Assert.Contains("\"markMask\": \"0x00ff0000\"", json);
        Assert.Contains("\"mark\": \"0x00010000\"", json);
        Assert.Contains("\"table\": 1000", json);
        Assert.Contains("it's -> <there>", json);
        Assert.DoesNotContain("\\u00", json);
        var back = System.Text.Json.JsonSerializer.Deserialize<StatusReport>(json, StatusJson.Options)!;
        Assert.Equal(0x00020000u, back.Daemon.Uplinks[1].Mark);
        Assert.Equal(0x00ff0000u, back.Daemon.MarkMask);
    }

    [Fact]
    public void The_report_round_trips_through_json_with_durations_in_seconds()
    {
        var r = Report();
        var json = System.Text.Json.JsonSerializer.Serialize(r, StatusJson.Options);
        Assert.Contains("\"rtt\": 0.0012", json);
        Assert.Contains("\"state\": \"down\"", json);
        var back = System.Text.Json.JsonSerializer.Deserialize<StatusReport>(json, StatusJson.Options)!;
        Assert.Equal(json, System.Text.Json.JsonSerializer.Serialize(back, StatusJson.Options));
    }

    [Fact]
    public void The_table_for_people_shows_every_figure_and_colours_only_when_asked()
    {
        var text = StatusFormatter.Format(Report());
        Assert.DoesNotContain("\u001b[", text);
        Assert.Contains("balance round-robin", text);
        Assert.Contains("applied 3m00s ago (4 applies, 1 failed, last took 41 ms)", text);
        var isp1 = text.Split('\n').First(l => l.StartsWith("isp1"));
        foreach (var part in new[] { "wan1", "up", "3m00s ago", "1.2 ms", "0 %", "100 %", "30 (75 %)", "8 (80 %)", "1000 B", "2.0 KiB" })
            Assert.Contains(part, isp1);
        Assert.Contains("\nisp1: up 3m00s ago: 5 good rounds\n", text);
        Assert.Contains("\nisp2: down 40s ago: carrier lost\n", text);
        Assert.Contains("wan2 (no carrier)", text);
        Assert.Contains("192.0.2.11", text);
        Assert.Contains("\u001b[32mup\u001b[0m", StatusFormatter.Format(Report(), colour: true));
    }
}
