using System.Text;

namespace Junction.Bench.Report;

/// <summary>A markdown table; numbers are formatted by the caller, columns after the first are right-aligned.</summary>
public sealed class MarkdownTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public MarkdownTable Row(params object[] cells)
    {
        _rows.Add(cells.Select(c => c?.ToString() ?? "").ToArray());
        return this;
    }

    public override string ToString()
    {
        var s = new StringBuilder();
        s.Append("| ").Append(string.Join(" | ", headers)).Append(" |\n");
        s.Append("|---").Append(string.Concat(Enumerable.Repeat("|--:", headers.Length - 1))).Append("|\n");
        foreach (var row in _rows)
            s.Append("| ").Append(string.Join(" | ", row)).Append(" |\n");
        return s.ToString();
    }
}
