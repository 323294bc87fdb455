using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Junction.Metrics;

/// <summary>The kind of a metric family, as the text format's TYPE line spells it.</summary>
public enum MetricType { Gauge, Counter }

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4): one HELP and one TYPE line
/// per family, then its samples. Label values and help text are escaped as the format
/// demands; names are checked, so a typo fails in tests rather than in a scrape.
/// </summary>
public sealed partial class PrometheusWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);
    private string? _current;

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    /// <summary>Starts a family; its samples follow. Counters must end in <c>_total</c>.</summary>
    public PrometheusWriter Family(string name, MetricType type, string help)
    {
        if (!MetricName().IsMatch(name)) throw new ArgumentException($"'{name}' is not a valid metric name", nameof(name));
        if (type == MetricType.Counter != name.EndsWith("_total", StringComparison.Ordinal))
            throw new ArgumentException($"'{name}': counters, and only counters, end in _total", nameof(name));
        if (!_families.Add(name)) throw new ArgumentException($"family '{name}' was already written", nameof(name));
        _current = name;
        _text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type == MetricType.Counter ? "counter" : "gauge").Append('\n');
        return this;
    }

    /// <summary>A sample of the current family.</summary>
    public PrometheusWriter Sample(double value, params (string Name, string Value)[] labels)
    {
        var name = _current ?? throw new InvalidOperationException("write a Family before its samples");
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (!LabelName().IsMatch(labels[i].Name) || labels[i].Name.StartsWith("__", StringComparison.Ordinal))
                    throw new ArgumentException($"'{labels[i].Name}' is not a valid label name", nameof(labels));
                if (i > 0) _text.Append(',');
                _text.Append(labels[i].Name).Append("=\"").Append(EscapeLabel(labels[i].Value)).Append('"');
            }
            _text.Append('}');
        }
        _text.Append(' ').Append(Number(value)).Append('\n');
        return this;
    }

    public static string Number(double v) =>
        double.IsNaN(v) ? "NaN"
        : double.IsPositiveInfinity(v) ? "+Inf"
        : double.IsNegativeInfinity(v) ? "-Inf"
        : v.ToString("R", CultureInfo.InvariantCulture);

    public static string EscapeLabel(string v) => v.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    public static string EscapeHelp(string v) => v.Replace("\\", "\\\\").Replace("\n", "\\n");

    public override string ToString() => _text.ToString();
}
