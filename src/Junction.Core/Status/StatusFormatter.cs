using System.Globalization;
using System.Text;
using Junction.Health;

namespace Junction.Status;

/// <summary>
/// The table <c>junction status</c> prints for people. Colour (state words only) is added
/// by the caller's choice, i.e. only when stdout is a terminal.
/// </summary>
public static class StatusFormatter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Format(StatusReport report, bool colour = false)
    {
        var d = report.Daemon;
        var sb = new StringBuilder();
        var a = d.Applies;
        sb.Append(Inv, $"junction: balance {d.Balance}, mark mask 0x{d.MarkMask:x8}, running {Ago(d.Now - d.StartedAt)}");
        sb.Append(d.Fallback ? ", FALLBACK: no uplink is healthy, new connections follow the main table\n" : "\n");
        sb.Append(Inv, $"config {d.ConfigPath}");
        if (a.ConfigLoadedAt is { } loaded) sb.Append(Inv, $", loaded {Ago(d.Now - loaded)} ago");
        sb.Append(a.LastAppliedAt is { } applied
            ? string.Create(Inv, $", applied {Ago(d.Now - applied)} ago ({a.Count} applies, {a.Failures} failed, last took {Ms(a.LastDuration)})\n")
            : ", not applied yet\n");
        if (a.LastError is { } err) sb.Append(Inv, $"last apply failed: {err}\n");
        sb.Append('\n');

        var rows = new List<string[]>
        {
            new[] { "UPLINK", "INTERFACE", "STATE", "SINCE", "REASON", "RTT", "LOSS", "WEIGHT", "PLANNED", $"NEW/{Span(report.Window)}", "LIVE", "RX", "TX" },
        };
        for (var i = 0; i < d.Uplinks.Count; i++)
        {
            var u = d.Uplinks[i];
            var f = report.Uplinks[i];
            rows.Add([
                u.Name, u.Interface + (u.Carrier == false ? " (no carrier)" : ""), Word(u.State), $"{Ago(d.Now - u.Since)} ago", u.Reason,
                u.Rtt is { } rtt ? Ms(rtt) : "-", u.Loss is { } loss ? Pct(loss) : "-", u.Weight.ToString(Inv), Pct(u.PlannedShare),
                $"{f.NewConnections} ({(f.NewShare is { } ns ? Pct(ns) : "-")})", $"{f.Connections} ({(f.ConnectionShare is { } cs ? Pct(cs) : "-")})",
                Bytes(f.ReceiveBytes), Bytes(f.TransmitBytes),
            ]);
        }
        Table(sb, rows, colour ? (row, col, text) => row > 0 && col == 2 ? Colour(d.Uplinks[row - 1].State, text) : text : null);

        var pools = d.Uplinks.Select((u, i) => (u, f: report.Uplinks[i])).Where(x => x.u.SnatPool.Count > 0).ToList();
        if (pools.Count > 0)
        {
            sb.Append('\n');
            var poolRows = new List<string[]> { new[] { "SNAT POOL", "ADDRESS", "LIVE" } };
            foreach (var (u, f) in pools)
                foreach (var s in f.Snat)
                    poolRows.Add([u.Name, s.Address, s.Connections.ToString(Inv)]);
            Table(sb, poolRows, null);
        }
        sb.Append(Inv, $"\n{report.Connections} conntrack entries carry an uplink's mark. NEW: connections marked in the last {Span(report.Window)} (inbound ones too); LIVE: conntrack entries by mark now (closing ones too).\n");
        foreach (var e in report.KernelErrors) sb.Append(Inv, $"warning: {e}\n");
        return sb.ToString();
    }

    private static void Table(StringBuilder sb, List<string[]> rows, Func<int, int, string, string>? paint)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        for (var r = 0; r < rows.Count; r++)
        {
            var line = new StringBuilder();
            for (var c = 0; c < widths.Length; c++)
            {
                var cell = rows[r][c];
                var padded = c == widths.Length - 1 ? cell : cell.PadRight(widths[c] + 2);
                line.Append(paint is null ? padded : paint(r, c, cell) + padded[cell.Length..]);
            }
            sb.Append(line.ToString().TrimEnd()).Append('\n');
        }
    }

    private static string Word(HealthState s) => s.ToString().ToLowerInvariant();

    private static string Colour(HealthState s, string text) => s switch
    {
        HealthState.Up => $"\u001b[32m{text}\u001b[0m",
        HealthState.Down => $"\u001b[31m{text}\u001b[0m",
        _ => $"\u001b[33m{text}\u001b[0m",
    };

    public static string Pct(double share) => (share * 100).ToString(share is > 0 and < 0.1 ? "0.#" : "0", Inv) + " %";

    private static string Ms(TimeSpan? t) => t is not { } v ? "-" : v.TotalMilliseconds < 10
        ? v.TotalMilliseconds.ToString("0.0", Inv) + " ms"
        : v.TotalMilliseconds.ToString("0", Inv) + " ms";

    /// <summary>A duration for people: 45s, 3m12s, 2h05m, 3d04h.</summary>
    public static string Ago(TimeSpan t)
    {
        if (t < TimeSpan.Zero) t = TimeSpan.Zero;
        return t.TotalSeconds < 60 ? $"{(int)t.TotalSeconds}s"
            : t.TotalMinutes < 60 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s"
            : t.TotalHours < 24 ? $"{(int)t.TotalHours}h{t.Minutes:00}m"
            : $"{(int)t.TotalDays}d{t.Hours:00}h";
    }

    // The window is a minute once the daemon has run that long; before, what it has seen.
    private static string Span(TimeSpan t) => t >= TimeSpan.FromSeconds(59) ? "1m" : $"{Math.Max(1, (int)Math.Ceiling(t.TotalSeconds))}s";

    public static string Bytes(long? bytes)
    {
        if (bytes is not { } b) return "-";
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = b;
        var u = 0;
        while (v >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
        return u == 0 ? $"{b} B" : v.ToString("0.0", Inv) + " " + units[u];
    }
}
