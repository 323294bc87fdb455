using System.Globalization;
using System.Text.Json.Nodes;
using System.Text;

namespace Junction.Lab.Commands;

/// <summary>One uplink's line of the result: what the configuration asked for and what the server saw.</summary>
internal sealed record ShareRow(int Uplink, string Interface, int? Weight, double? Expected, int Connections, double Actual)
{
    /// <summary>Actual minus expected share, in percentage points.</summary>
    public double? Deviation => Expected is { } e ? (Actual - e) * 100 : null;
}

/// <summary>Counts connections per uplink from the sources the server saw, and prints the table.</summary>
internal sealed class ShareTable
{
    private ShareTable(IReadOnlyList<ShareRow> rows, int answered, IReadOnlyList<ConnectionOutcome> failed, int unattributed)
    {
        Rows = rows;
        Answered = answered;
        Failed = failed;
        Unattributed = unattributed;
    }

    public IReadOnlyList<ShareRow> Rows { get; }
    public int Answered { get; }
    public IReadOnlyList<ConnectionOutcome> Failed { get; }
    /// <summary>Answered, but from a source that names no uplink (should never happen in the lab).</summary>
    public int Unattributed { get; }

    /// <param name="weights">Configured weight per uplink (index 0 = uplink 1), or null when nothing was configured.</param>
    public static ShareTable Count(LabTopology topology, IReadOnlyList<ConnectionOutcome> outcomes, IReadOnlyList<int>? weights)
    {
        var counts = new int[topology.Uplinks + 1];
        foreach (var o in outcomes.Where(o => o.Ok))
            counts[topology.UplinkOf(o.Seen!.Address) ?? 0]++;
        var answered = outcomes.Count(o => o.Ok);
        var total = weights?.Sum() ?? 0;
        var rows = Enumerable.Range(1, topology.Uplinks).Select(i => new ShareRow(
            i,
            topology.WanInterface(i),
            weights?[i - 1],
            weights is null ? null : (double)weights[i - 1] / total,
            counts[i],
            answered == 0 ? 0 : (double)counts[i] / answered)).ToList();
        return new ShareTable(rows, answered, [.. outcomes.Where(o => !o.Ok)], counts[0]);
    }

    public string Text()
    {
        var withWeights = Rows.Any(r => r.Weight is not null);
        var s = new StringBuilder();
        s.AppendLine(withWeights
            ? "UPLINK  INTERFACE  WEIGHT  EXPECTED  CONNECTIONS   ACTUAL     DEVIATION"
            : "UPLINK  INTERFACE  CONNECTIONS   ACTUAL");
        foreach (var r in Rows)
        {
            s.Append(CultureInfo.InvariantCulture, $"{"isp" + r.Uplink,-8}{r.Interface,-11}");
            if (withWeights)
                s.Append(CultureInfo.InvariantCulture, $"{r.Weight,6}  {Percent(r.Expected),8}");
            s.Append(CultureInfo.InvariantCulture, $"{r.Connections,11}  {Percent(r.Actual),7}");
            if (withWeights)
                s.Append(CultureInfo.InvariantCulture, $"  {r.Deviation,8:+0.0;-0.0;0.0} pts");
            s.AppendLine();
        }
        s.Append(CultureInfo.InvariantCulture, $"{"total",-19}");
        if (withWeights) s.Append(CultureInfo.InvariantCulture, $"{Rows.Sum(r => r.Weight),6}  {"100.0 %",8}");
        s.AppendLine(CultureInfo.InvariantCulture, $"{Answered,11}  {(Answered == 0 ? "-" : "100.0 %"),7}");
        if (Unattributed > 0)
            s.AppendLine(CultureInfo.InvariantCulture, $"{Unattributed} answered connections came from a source that names no uplink.");
        if (Failed.Count > 0)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"{Failed.Count} connections failed, e.g.:");
            foreach (var f in Failed.Take(3))
                s.AppendLine(CultureInfo.InvariantCulture, $"  {f.Error}");
        }
        return s.ToString();
    }

    public JsonObject Json() => new()
    {
        ["answered"] = Answered,
        ["failed"] = Failed.Count,
        ["unattributed"] = Unattributed,
        ["uplinks"] = new JsonArray([.. Rows.Select(r => (JsonNode?)new JsonObject
        {
            ["name"] = $"isp{r.Uplink}",
            ["interface"] = r.Interface,
            ["weight"] = r.Weight,
            ["expectedShare"] = r.Expected is { } e ? Math.Round(e, 4) : null,
            ["connections"] = r.Connections,
            ["actualShare"] = Math.Round(r.Actual, 4),
            ["deviationPoints"] = r.Deviation is { } d ? Math.Round(d, 2) : null,
        })]),
        ["errors"] = new JsonArray([.. Failed.Take(20).Select(f => (JsonNode?)f.Error)]),
    };

    private static string Percent(double? share) =>
        share is { } s ? (s * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "-";
}
