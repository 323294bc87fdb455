using System.Globalization;
using System.Text;
using System.Text.Json;
using Junction.Linux.Processes;
using Junction.Model;

namespace Junction.Linux.Apply.Routing;

/// <summary>Reads iproute2's JSON listings (<c>ip -N -j ...</c>: numbers, not names from rt_tables).</summary>
internal static class IpJson
{
    public static string Flag(Families family) => family == Families.IPv6 ? "-6" : "-4";

    public static BatchKind Batch(Families family) => family == Families.IPv6 ? BatchKind.IPv6 : BatchKind.IPv4;

    /// <summary>
    /// Whether words can go into an <c>ip -batch</c> line and be read back as the same
    /// words: ip cuts a batch line at '#' and reads quotes, so arguments holding either
    /// (an interface name validation let through) run as a command of their own, where
    /// every argument is passed as it is.
    /// </summary>
    public static bool BatchSafe(string arguments) => arguments.IndexOfAny(['#', '"', '\'', '\\', '\n', '\r']) < 0;

    public static string Prefix(Families family) => family == Families.IPv6 ? "ip -6" : "ip";

    /// <summary>
    /// The objects of several listings of one family, read by one process:
    /// <c>ip -N -j -4 -batch -</c> with one command a line (e.g. "rule show"), which prints
    /// one JSON array per command.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<JsonElement>> Lists(CommandRunner runner, Families family, params string[] commands)
    {
        var stdout = runner.Run("ip", ["-N", "-j", Flag(family), "-batch", "-"], string.Concat(commands.Select(c => c + "\n"))).Check().Stdout;
        var lists = new List<IReadOnlyList<JsonElement>>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(stdout), new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            lists.Add(doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList());
        }
        return lists.Count == commands.Length
            ? lists
            : throw new JsonException($"'ip -j -batch' printed {lists.Count} listings for {commands.Length} commands ({string.Join(", ", commands)})");
    }

    /// <summary>
    /// As <see cref="Lists"/>, but a kernel without IPv6 (ipv6.disable=1) has no IPv6 rules
    /// or routes rather than an error.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<JsonElement>> ListsIfSupported(CommandRunner runner, Families family, params string[] commands)
    {
        try
        {
            return Lists(runner, family, commands);
        }
        catch (CommandFailedException e) when (e.Result.Stderr.Contains("not supported", StringComparison.OrdinalIgnoreCase))
        {
            return [.. commands.Select(_ => (IReadOnlyList<JsonElement>)[])];
        }
    }

    public static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.Null => "",
            _ => v.GetRawText(),
        } : null;

    public static uint Number(string text) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.Parse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : uint.Parse(text, CultureInfo.InvariantCulture);
}
