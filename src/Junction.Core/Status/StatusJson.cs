using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Junction.Status;

/// <summary>
/// The JSON spelling of reports, shared by the server and the CLI: camelCase names, enums
/// as words, durations as seconds (a number), so scripts need no TimeSpan parser, and marks
/// as hex strings ("0x00010000") like <c>plan --json</c>.
/// </summary>
public static class StatusJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        // Relaxed escaping: explanations hold ' and > ("uplink 'isp1'", "->"), which
        // the default encoder writes as \u0027 and \u003E. The output is never put in HTML.
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        o.Converters.Add(new SecondsConverter());
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

    /// <summary>
    /// A mark as <c>plan --json</c> writes it: "0x00ff0000" (a string), so the bits read the
    /// same in both and a script can compare them as text.
    /// </summary>
    public sealed class HexMarkConverter : JsonConverter<uint>
    {
        public override uint Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number) return reader.GetUInt32();
            var text = reader.GetString() ?? "";
            return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                && uint.TryParse(text.AsSpan(2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new JsonException($"'{text}' is not a mark (0x followed by hex digits)");
        }

        public override void Write(Utf8JsonWriter writer, uint value, JsonSerializerOptions options) =>
            writer.WriteStringValue($"0x{value:x8}");
    }

    private sealed class SecondsConverter : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TimeSpan.FromSeconds(reader.GetDouble());

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
            writer.WriteNumberValue(Math.Round(value.TotalSeconds, 6));
    }
}
