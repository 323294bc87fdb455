using System.Globalization;
using System.Text;
using Junction.Health;
using Junction.Model;

namespace Junction.Status;

/// <summary>
/// The table <c>junction status</c> prints for people, made to fit <c>width</c> columns (120
/// unless the terminal says otherwise): one short row per uplink, and the reasons of their
/// states on lines below it, since a reason can be as long as the rest of the row. When
/// the table is still too wide, the least needed columns are left out, and it says which.
/// Colour (state words only) is added by the caller's choice, i.e. only when stdout is a
/// terminal.
/// </summary>
public static class StatusFormatter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public const int DefaultWidth = 120;

    // Left out first when the table is too wide: bytes, then the configured weight, then loss.
    private static readonly string[] DropOrder = ["TX", "RX", "WEIGHT", "LOSS", "SINCE", "INTERFACE"];

    public static string Format(StatusReport report, bool colour = false, int width = DefaultWidth)
    {
        width = Math.Max(width, 40);
        var d = report.Daemon;
        var sb = new StringBuilder();
        var a = d.Applies;
        sb.Append(Inv, $"junction: balance {d.Balance}, mark mask 0x{d.MarkMask:x8}, running {Ago(d.Now - d.StartedAt)}\n");
        if (d.Fallback) sb.Append("FALLBACK: no uplink is healthy, new connections follow the main table\n");
        var config = new StringBuilder($"config {d.ConfigPath}");
        if (a.ConfigLoadedAt is { } loaded) config.Append(Inv, $", loaded {Ago(d.Now - loaded)} ago");
        config.Append(a.LastAppliedAt is { } applied
            ? string.Create(Inv, $", applied {Ago(d.Now - applied)} ago ({a.Count} applies, {a.Failures} failed, last took {Ms(a.LastDuration)})")
            : ", not applied yet");
        Wrap(sb, config.ToString(), width);
        if (d.Ha is { } ha)
            Wrap(sb, $"vrrp: {ha.Role.ToUpperInvariant()} ({ha.Detail}); health file says {ha.HealthReported?.ToString(Inv) ?? "nothing yet"} unhealthy", width);
        if (d.TableDrift is { } drift) Wrap(sb, $"warning: {drift}; the daemon is re-applying it", width);
        if (a.LastError is { } err) Wrap(sb, $"last apply failed: {err}", width);
        var tiered = d.Uplinks.Select(u => u.Tier).Distinct().Skip(1).Any();
        if (tiered && d.Uplinks.Where(u => u.InUse).Select(u => u.Tier).DefaultIfEmpty().Min() is var inUse and > 0)
        {
            var reserve = d.Uplinks.Where(u => u.Tier > inUse)
                .Select(u => $"{u.Name} (tier {u.Tier}, {(Held(u) ? OperatorModes.Describe(u.Operator) : u.State == HealthState.Up ? "ready" : Word(u.State))})").ToList();
            Wrap(sb, $"tier {inUse} takes new connections{(reserve.Count == 0 ? "" : $"; in reserve: {string.Join(", ", reserve)}")}", width);
        }
        if (d.FailbackDue is { } due)
            Wrap(sb, $"failback: connections left on worse tiers are flushed in {Ago(due - d.Now)} if the better tier stays healthy", width);
        sb.Append('\n');

        var columns = new List<(string Name, Func<UplinkSnapshot, UplinkFigures, string> Cell)>
        {
            ("UPLINK", (u, _) => u.Name),
            ("INTERFACE", (u, _) => u.Interface + (u.Carrier == false ? " (no carrier)" : "")),
            ("STATE", (u, _) => Word(u.State) + (OperatorModes.Describe(u.Operator) is { } o ? $" ({o})" : "")),
            // Up is not enough to take connections: a healthy uplink of a worse tier waits. One the
            // operator drained or forced down is not waiting for anything: STATE says why.
            ("TIER", (u, _) => u.Tier.ToString(Inv) + (u.InUse ? " in use" : u.State == HealthState.Up && !Held(u) ? " reserve" : "")),
            ("SINCE", (u, _) => $"{Ago(d.Now - u.Since)} ago"),
            // The last answered probe's RTT says nothing about a link that is down now.
            ("RTT", (u, _) => u.State == HealthState.Down ? "-" : Ms(u.Rtt)),
            ("LOSS", (u, _) => u.Loss is { } loss ? Pct(loss) : "-"),
            ("WEIGHT", (u, _) => u.Weight.ToString(Inv)),
            ("PLANNED", (u, _) => Pct(u.PlannedShare)),
            ($"NEW/{Span(report.Window)}", (_, f) => $"{f.NewConnections} ({(f.NewShare is { } ns ? Pct(ns) : "-")})"),
            ("LIVE", (_, f) => $"{f.Connections} ({(f.ConnectionShare is { } cs ? Pct(cs) : "-")})"),
            ("RX", (_, f) => Bytes(f.ReceiveBytes)),
            ("TX", (_, f) => Bytes(f.TransmitBytes)),
        };
        if (!tiered) columns.RemoveAll(c => c.Name == "TIER");
        var rows = d.Uplinks.Select((u, i) => columns.Select(c => c.Cell(u, report.Uplinks[i])).ToArray()).ToList();
        var names = columns.Select(c => c.Name).ToList();
        var left = new List<string>();
        foreach (var drop in DropOrder)
        {
            if (TableWidth(names, rows) <= width) break;
            var at = names.IndexOf(drop);
            names.RemoveAt(at);
            rows = rows.Select(r => r.Where((_, c) => c != at).ToArray()).ToList();
            left.Add(drop);
        }
        var state = names.IndexOf("STATE");
        Table(sb, [[.. names], .. rows], colour ? (row, col, text) => row > 0 && col == state ? Colour(d.Uplinks[row - 1].State, text) : text : null);
        sb.Append('\n');
        foreach (var u in d.Uplinks)
        {
            Wrap(sb, $"{u.Name}: {Word(u.State)} {Ago(d.Now - u.Since)} ago: {u.Reason}", width);
            if (u.PlannedOut is { } why) Wrap(sb, $"{u.Name}: planned out: {why}", width);
            if (OperatorModes.Describe(u.Operator) is { } forced)
                Wrap(sb, $"{u.Name}: {forced} by the operator; 'junction {(u.Operator == OperatorMode.Drain ? "undrain" : "auto")} {u.Name}' lets health decide", width);
        }

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
        sb.Append('\n');
        sb.Append(Inv, $"{report.Connections} conntrack entries carry an uplink's mark.\n");
        if (report.Counting is { } counting) Wrap(sb, Counted(counting), width);
        Wrap(sb, $"NEW: connections marked in the last {Span(report.Window)} (inbound ones too); LIVE: conntrack entries by mark now (closing ones too).", width);
        if (left.Count > 0)
            Wrap(sb, $"Left out to fit {width} columns: {string.Join(", ", left.AsEnumerable().Reverse())} (a wider terminal, or --json, shows them).", width);
        foreach (var e in report.KernelErrors) Wrap(sb, $"warning: {e}", width);
        return sb.ToString();
    }

    /// <summary>Where LIVE came from, and whether the kernel dropped events on the way.</summary>
    private static string Counted(ConnectionCounting c)
    {
        var how = c.FromEvents
            ? $"LIVE is kept from conntrack events ({c.Resyncs} resync{(c.Resyncs == 1 ? "" : "s")} from a dump so far"
            : "LIVE was dumped from the conntrack table for this report (the daemon's event counts are not ready";
        var lost = c.Overruns == 0 ? "" : $"; the kernel dropped events {c.Overruns} time{(c.Overruns == 1 ? "" : "s")}, each followed by a resync";
        var failed = c.LastError is null ? "" : $"; the last resync failed: {c.LastError}";
        return $"{how}{lost}{failed}).";
    }

    private static int TableWidth(List<string> names, List<string[]> rows) =>
        Enumerable.Range(0, names.Count).Sum(c => Math.Max(names[c].Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length)))
        + 2 * (names.Count - 1);

    /// <summary>Appends <paramref name="text"/> broken at spaces into lines of at most <paramref name="width"/>, continued with an indent.</summary>
    private static void Wrap(StringBuilder sb, string text, int width)
    {
        const string indent = "    ";
        var line = new StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                sb.Append(line.ToString().TrimEnd()).Append('\n');
                line.Clear().Append(indent);
            }
            else if (line.Length > 0 && line.ToString() != indent) line.Append(' ');
            line.Append(word);
        }
        sb.Append(line.ToString().TrimEnd()).Append('\n');
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

    /// <summary>Drained or forced down: held out of balancing by the operator, whatever its health or tier.</summary>
    private static bool Held(UplinkSnapshot u) => u.Operator is OperatorMode.Drain or OperatorMode.Down;

    private static string Word(HealthState s) => Vocabulary.Health.Word(s);

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
