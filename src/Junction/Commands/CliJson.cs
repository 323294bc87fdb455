using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

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

    /// <summary>
    /// The one shape of a failed verb's <c>--json</c>, <c>{"verb", "ok": false, "error"}</c>, that a
    /// verb may add fields to: a script that asked for JSON gets JSON on stdout whatever went wrong.
    /// </summary>
    public static JsonObject Failure(string verb, string error) => new()
    {
        ["verb"] = verb,
        ["ok"] = false,
        ["error"] = error,
    };

    /// <summary>
    /// Says why <paramref name="verb"/> failed: the 'error:' line on stderr, and with
    /// <paramref name="json"/> also <see cref="Failure"/> (with <paramref name="extra"/>'s fields after
    /// its own) on stdout. Returns <paramref name="code"/>, so a verb can return what this says.
    /// </summary>
    public static int Fail(string verb, bool json, string error, int code, params (string Name, JsonNode? Value)[] extra)
    {
        Console.Error.WriteLine($"error: {error}");
        if (json)
        {
            var failure = Failure(verb, error);
            foreach (var (name, value) in extra) failure[name] = value;
            Console.WriteLine(failure.ToJsonString(Indented));
        }
        return code;
    }
}
