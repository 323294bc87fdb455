using System.Text.Json;
using System.Text.Json.Nodes;
using Junction.Linux.Processes;

namespace Junction.Bench.Report;

/// <summary>
/// A PNG chart under docs/, drawn by bench/plot.py (matplotlib, Debian's python3-matplotlib).
/// Kinds: "bars" (groups on x, one bar per series) and "lines" (numeric x, one line per series).
/// Without matplotlib the chart is skipped with a note: the tables are the results, the plots a convenience.
/// </summary>
public sealed class Plot(string kind, string title, string xLabel, string yLabel)
{
    private readonly JsonArray _series = [];

    public List<string> Groups { get; } = [];
    public bool LogX { get; init; }
    public bool LogY { get; init; }
    public double? Reference { get; init; }

    public Plot Series(string name, IEnumerable<double> values, IEnumerable<double>? x = null)
    {
        var entry = new JsonObject { ["name"] = name, ["y"] = new JsonArray([.. values.Select(v => (JsonNode?)(double.IsFinite(v) ? v : null))]) };
        if (x is not null) entry["x"] = new JsonArray([.. x.Select(v => (JsonNode?)v)]);
        _series.Add(entry);
        return this;
    }

    /// <summary>Draws docs/NAME.png and returns the markdown that shows it (or says why there is none).</summary>
    public string Save(string name)
    {
        var spec = new JsonObject
        {
            ["kind"] = kind, ["title"] = title, ["xlabel"] = xLabel, ["ylabel"] = yLabel,
            ["groups"] = new JsonArray([.. Groups.Select(g => (JsonNode?)g)]),
            ["series"] = _series.DeepClone(), ["logx"] = LogX, ["logy"] = LogY, ["reference"] = Reference,
            ["out"] = Path.Combine(Repo.Root, "docs", "benchmarks", name + ".png"),
        };
        Directory.CreateDirectory(Path.Combine(Repo.Root, "docs", "benchmarks"));
        var result = CommandRunner.Current.Run("/usr/bin/python3", [Path.Combine(Repo.Root, "bench", "plot.py")], stdin: spec.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        if (!result.Ok)
        {
            Console.Error.WriteLine($"plot {name}: {result.Stderr.Trim()}");
            return $"_(no plot: {result.Stderr.Trim().Split('\n').Last()}; `apt-get install python3-matplotlib` draws it)_";
        }
        return $"![{title}](benchmarks/{name}.png)";
    }
}
