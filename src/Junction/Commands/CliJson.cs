using System.Text.Encodings.Web;
using System.Text.Json;

namespace Junction.Cli.Commands;

/// <summary>
/// How every verb's <c>--json</c> is written: indented, with quotes, apostrophes and
/// non-ASCII text as they are (the output is read by people and scripts, never embedded in
/// HTML), as the control socket's answers are.
/// </summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
