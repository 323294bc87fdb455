using System.Globalization;
using System.Text.Json;
using Junction.Linux.Processes;
using Junction.Model;

namespace Junction.Linux.Apply.Routing;

/// <summary>Reads iproute2's JSON listings (<c>ip -N -j ...</c>: numbers, not names from rt_tables).</summary>
internal static class IpJson
{
    public static string Flag(Families family) => family == Families.IPv6 ? "-6" : "-4";

    public static string Prefix(Families family) => family == Families.IPv6 ? "ip -6" : "ip";

    /// <summary>The objects of one listing, e.g. <c>ip -N -j -6 rule show</c>.</summary>
    public static IReadOnlyList<JsonElement> List(CommandRunner runner, Families family, params string[] what)
    {
        var stdout = runner.Run("ip", ["-N", "-j", Flag(family), .. what]).Check().Stdout;
        if (string.IsNullOrWhiteSpace(stdout)) return [];
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>
    /// As <see cref="List"/>, but a kernel without IPv6 (ipv6.disable=1) has no IPv6 rules
    /// or routes rather than an error.
    /// </summary>
    public static IReadOnlyList<JsonElement> ListIfSupported(CommandRunner runner, Families family, params string[] what)
    {
        try
        {
            return List(runner, family, what);
        }
        catch (CommandFailedException e) when (e.Result.Stderr.Contains("not supported", StringComparison.OrdinalIgnoreCase))
        {
            return [];
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
