using System.Globalization;
using System.Text;

namespace Junction.Configuration;

/// <summary>
/// Text that echoes what a user wrote, made safe to print: control characters (NUL, ESC,
/// newlines, DEL, C1 controls) and invisible format characters (bidirectional overrides)
/// are written as escapes, so an error message cannot clear a terminal, recolour it, hide
/// part of itself or forge a second line of output.
/// </summary>
public static class Printable
{
    public static string Escape(string text)
    {
        if (!text.Any(NeedsEscape)) return text;
        var s = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (!NeedsEscape(c)) { s.Append(c); continue; }
            s.Append(c switch
            {
                '\0' => "\\0",
                '\t' => "\\t",
                '\n' => "\\n",
                '\r' => "\\r",
                '\x1b' => "\\e",
                < '\x100' => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
            });
        }
        return s.ToString();
    }

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format;
}
