using System.Globalization;
using System.Text;

namespace Junction.Bench.Report;

/// <summary>
/// One '## ' section of docs/benchmarks.md, written by one benchmark program: the heading,
/// the command that reproduces it, the machine and the date, then the program's text.
/// Writing replaces only that section, so the programs (and hand-written sections) share the file.
/// </summary>
public sealed class Section(string heading, string project, string arguments = "")
{
    private readonly StringBuilder _body = new();
    private readonly DateTime _started = DateTime.UtcNow;
    private readonly string _loadAtStart = Load();

    public string Heading { get; } = heading;
    public string Command => $"dotnet run -c Release --project bench/{project}{(arguments.Length > 0 ? $" -- {arguments}" : "")}";

    public Section Line(string text = "")
    {
        _body.Append(text).Append('\n');
        return this;
    }

    public Section Table(MarkdownTable table) => Line(table.ToString());

    public string Text(TimeSpan took) =>
        $"## {Heading}\n\n" +
        $"`{Command}` — run {_started.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC in {took.TotalMinutes:0.0} min on {Machine.Describe()}; " +
        $"1-minute load average {_loadAtStart} at the start and {Load()} at the end (the machine is shared).\n\n" +
        _body.ToString().TrimEnd() + "\n";

    private static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    /// <summary>Replaces this section in docs/benchmarks.md (or adds it before the closing note) and prints it.</summary>
    public void Write()
    {
        var text = Text(DateTime.UtcNow - _started);
        Console.WriteLine(text);
        var path = Path.Combine(Repo.Root, "docs", "benchmarks.md");
        var doc = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n";
        File.WriteAllText(path, Replace(doc, Heading, text));
        Console.Error.WriteLine($"wrote '## {Heading}' in {path}");
    }

    internal static string Replace(string doc, string heading, string section)
    {
        var lines = doc.Split('\n').ToList();
        var start = lines.FindIndex(l => l.TrimEnd() == $"## {heading}");
        var closing = lines.FindIndex(l => l.StartsWith("## Closing note", StringComparison.Ordinal));
        var newLines = section.TrimEnd('\n').Split('\n').Append("").ToList();
        if (start < 0)
        {
            var at = closing >= 0 ? closing : lines.Count;
            if (at == lines.Count && lines.Count > 0 && lines[^1].Length > 0) newLines.Insert(0, "");
            lines.InsertRange(at, newLines);
        }
        else
        {
            var end = lines.FindIndex(start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
            if (end < 0) end = lines.Count;
            lines.RemoveRange(start, end - start);
            lines.InsertRange(start, newLines);
        }
        return string.Join('\n', lines).TrimEnd('\n') + "\n";
    }
}
