using Junction.Health;
using Junction.Model;
using Junction.Status;

namespace Junction.Metrics;

/// <summary>
/// Every metric Junction exports, from one status report. Names carry their unit
/// (<c>_seconds</c>, <c>_bytes</c>, <c>_ratio</c>) and counters end in <c>_total</c>;
/// uplinks are told apart by the <c>uplink</c> label. docs/operations.md lists them.
/// </summary>
public static class MetricsFormatter
{
    public static string Format(StatusReport report)
    {
        var d = report.Daemon;
        var w = new PrometheusWriter();
        var u = d.Uplinks;
        var f = report.Uplinks;
        (string, string) L(int i) => ("uplink", u[i].Name);

        w.Family("junction_uplink_up", MetricType.Gauge, "1 when the uplink takes new connections (health state up), else 0.");
        for (var i = 0; i < u.Count; i++) w.Sample(u[i].State == HealthState.Up ? 1 : 0, L(i), ("interface", u[i].Interface));
        w.Family("junction_uplink_state", MetricType.Gauge, "The uplink's health state: 1 for the state it is in, 0 for the others.");
        for (var i = 0; i < u.Count; i++)
            foreach (var s in Vocabulary.Health.Values)
                w.Sample(u[i].State == s ? 1 : 0, L(i), ("state", Vocabulary.Health.Word(s)));
        w.Family("junction_uplink_operator", MetricType.Gauge, "The operator's override of the uplink's health (junction drain|down|up): 1 for the one in force, 0 for the others; all 0 when health decides.");
        for (var i = 0; i < u.Count; i++)
            foreach (var m in Vocabulary.Operator.Values.Where(m => m != OperatorMode.Auto))
                w.Sample(u[i].Operator == m ? 1 : 0, L(i), ("mode", Vocabulary.Operator.Word(m)));
        w.Family("junction_uplink_state_since_timestamp_seconds", MetricType.Gauge, "When the uplink entered its current state (Unix time).");
        for (var i = 0; i < u.Count; i++) w.Sample(u[i].Since.ToUnixTimeMilliseconds() / 1000.0, L(i));
        w.Family("junction_uplink_state_changes_total", MetricType.Counter, "Health state changes since the daemon started.");
        for (var i = 0; i < u.Count; i++) w.Sample(u[i].StateChanges, L(i));
        w.Family("junction_uplink_carrier", MetricType.Gauge, "1 when the uplink's interface has carrier, 0 when not (absent before the first link event).");
        for (var i = 0; i < u.Count; i++) if (u[i].Carrier is { } c) w.Sample(c ? 1 : 0, L(i));
        w.Family("junction_uplink_probe_rtt_seconds", MetricType.Gauge, "Round-trip time of the uplink's last good probe.");
        for (var i = 0; i < u.Count; i++) if (u[i].Rtt is { } rtt) w.Sample(rtt.TotalSeconds, L(i));
        w.Family("junction_uplink_probe_loss_ratio", MetricType.Gauge, "Share of the uplink's recent probes that were lost, 0..1.");
        for (var i = 0; i < u.Count; i++) if (u[i].Loss is { } loss) w.Sample(loss, L(i));
        w.Family("junction_uplink_weight", MetricType.Gauge, "The uplink's configured weight.");
        for (var i = 0; i < u.Count; i++) w.Sample(u[i].Weight, L(i));
        w.Family("junction_uplink_tier", MetricType.Gauge, "The uplink's configured tier: 1 is the best; worse tiers get new connections only when every better one is down.");
        for (var i = 0; i < u.Count; i++) w.Sample(u[i].Tier, L(i));
        w.Family("junction_uplink_in_use", MetricType.Gauge, "1 when the uplink gets new connections now (up and in the best tier with a healthy uplink); up but 0 means held in reserve.");
        for (var i = 0; i < u.Count; i++) w.Sample(u[i].InUse ? 1 : 0, L(i));
        w.Family("junction_uplink_planned_share_ratio", MetricType.Gauge, "The share of new balanced connections the current plan gives the uplink, 0..1.");
        for (var i = 0; i < u.Count; i++) w.Sample(u[i].PlannedShare, L(i));
        w.Family("junction_uplink_new_connections_total", MetricType.Counter, "New connections marked for the uplink (balanced, pinned or inbound), from its nftables counter; survives re-applies.");
        for (var i = 0; i < u.Count; i++) w.Sample(f[i].NewConnectionsTotal, L(i));
        w.Family("junction_uplink_connections", MetricType.Gauge, "Conntrack entries that carry the uplink's mark now.");
        for (var i = 0; i < u.Count; i++) w.Sample(f[i].Connections, L(i));
        w.Family("junction_uplink_receive_bytes_total", MetricType.Counter, "Bytes received on the uplink's interface (all traffic, not only Junction's).");
        for (var i = 0; i < u.Count; i++) if (f[i].ReceiveBytes is { } rx) w.Sample(rx, L(i), ("interface", u[i].Interface));
        w.Family("junction_uplink_transmit_bytes_total", MetricType.Counter, "Bytes sent on the uplink's interface (all traffic, not only Junction's).");
        for (var i = 0; i < u.Count; i++) if (f[i].TransmitBytes is { } tx) w.Sample(tx, L(i), ("interface", u[i].Interface));
        w.Family("junction_snat_address_connections", MetricType.Gauge, "Live connections that carry the uplink's mark and leave with this SNAT pool address.");
        for (var i = 0; i < u.Count; i++) foreach (var s in f[i].Snat) w.Sample(s.Connections, L(i), ("address", s.Address));

        var a = d.Applies;
        w.Family("junction_applies_total", MetricType.Counter, "Times the daemon applied a plan to the kernel (successful or not).");
        w.Sample(a.Count);
        w.Family("junction_apply_failures_total", MetricType.Counter, "Applies the kernel refused (each rolled back).");
        w.Sample(a.Failures);
        w.Family("junction_last_apply_duration_seconds", MetricType.Gauge, "How long the last apply took.");
        if (a.LastDuration is { } took) w.Sample(took.TotalSeconds);
        w.Family("junction_last_apply_timestamp_seconds", MetricType.Gauge, "When the last successful apply finished (Unix time).");
        if (a.LastAppliedAt is { } at) w.Sample(at.ToUnixTimeMilliseconds() / 1000.0);
        w.Family("junction_config_loaded_timestamp_seconds", MetricType.Gauge, "When the configuration in force was loaded (Unix time).");
        if (a.ConfigLoadedAt is { } loaded) w.Sample(loaded.ToUnixTimeMilliseconds() / 1000.0);
        w.Family("junction_fallback", MetricType.Gauge, "1 when no uplink is healthy and new connections follow the main routing table.");
        w.Sample(d.Fallback ? 1 : 0);
        w.Family("junction_start_time_seconds", MetricType.Gauge, "When the daemon started (Unix time).");
        w.Sample(d.StartedAt.ToUnixTimeMilliseconds() / 1000.0);
        if (report.Counting is { } counting)
        {
            w.Family("junction_conntrack_counts_from_events", MetricType.Gauge, "1 when the live connection counts come from the daemon's conntrack event keeper, 0 when this scrape dumped the conntrack table for them.");
            w.Sample(counting.FromEvents ? 1 : 0);
            w.Family("junction_conntrack_count_resyncs_total", MetricType.Counter, "Times the event keeper set its counts afresh from a conntrack dump (the first one included).");
            w.Sample(counting.Resyncs);
            w.Family("junction_conntrack_event_overruns_total", MetricType.Counter, "Times the kernel dropped conntrack events meant for the keeper (its socket buffer was full); each is followed by a resync.");
            w.Sample(counting.Overruns);
        }
        w.Family("junction_kernel_read_errors", MetricType.Gauge, "How many kernel figures (nft counters, conntrack, interface bytes) could not be read for this scrape.");
        w.Sample(report.KernelErrors.Count);
        return w.ToString();
    }
}
