using YamlDotNet.Core;

namespace Junction.Configuration;

/// <summary>
/// YamlDotNet's syntax errors made useful: the position a person would look at, the message
/// without YamlDotNet's own position prefix, and a hint at the likely cause (tabs,
/// indentation, an unclosed '[' or '{').
/// </summary>
internal static class YamlSyntax
{
    public static SourcePosition Pos(Mark mark) => new((int)mark.Line, (int)mark.Column);

    /// <summary>The indentation hint only where indentation can be the cause.</summary>
    public static string SyntaxHint(string text, YamlException e)
    {
        var line = text.Split('\n').ElementAtOrDefault((int)e.Start.Line - 1) ?? "";
        if (line.TakeWhile(char.IsWhiteSpace).Contains('\t') || text.Contains("\n\t"))
            return "indent with spaces: YAML does not allow tabs";
        return e.Message.Contains("indent", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("mapping", StringComparison.OrdinalIgnoreCase)
            ? "fix the YAML syntax; check the indentation of this line against the lines above"
            : "fix the YAML syntax";
    }

    /// <summary>
    /// Where the tab a YAML error is about really is: YamlDotNet reports where the node it
    /// was scanning began (1:1 for a tab on line 2), so the first tab in indentation from
    /// that line on is named instead, else the first tab in the file.
    /// </summary>
    public static SourcePosition? TabAt(string text, YamlException e)
    {
        if (!e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase)) return null;
        var lines = text.Split('\n');
        SourcePosition? first = null;
        for (var l = 0; l < lines.Length; l++)
        {
            var indent = lines[l].Length - lines[l].TrimStart(' ', '\t').Length;
            var tab = lines[l].IndexOf('\t', StringComparison.Ordinal);
            if (tab < 0) continue;
            first ??= new SourcePosition(l + 1, tab + 1);
            if (l + 1 >= e.Start.Line && tab < indent) return new SourcePosition(l + 1, tab + 1);
        }
        return first;
    }

    /// <summary>The first '[' or '{' that the file never closes (outside quotes and comments).</summary>
    public static SourcePosition UnclosedFlow(string text)
    {
        var open = new Stack<SourcePosition>();
        var lines = text.Split('\n');
        for (var l = 0; l < lines.Length; l++)
        {
            char? quote = null;
            for (var c = 0; c < lines[l].Length; c++)
            {
                var ch = lines[l][c];
                if (quote is not null) { if (ch == quote) quote = null; continue; }
                if (ch is '"' or '\'') quote = ch;
                else if (ch == '#' && (c == 0 || char.IsWhiteSpace(lines[l][c - 1]))) break;
                else if (ch is '[' or '{') open.Push(new SourcePosition(l + 1, c + 1));
                else if (ch is ']' or '}' && open.Count > 0) open.Pop();
            }
        }
        return open.Count > 0 ? open.Last() : new SourcePosition(1, 1);
    }

    // YamlDotNet prefixes messages with "(Line: 3, Col: 1, Idx: 20) - (Line: ...): "; the position is reported separately.
    public static string Clean(string message)
    {
        var i = message.LastIndexOf("): ", StringComparison.Ordinal);
        return i >= 0 ? message[(i + 3)..] : message;
    }
}
