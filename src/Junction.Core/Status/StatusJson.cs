using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Junction.Explain;
using Junction.Health;

namespace Junction.Status;

/// <summary>
/// The JSON spelling of reports, shared by the server and the CLI: camelCase names, enums
/// as words, durations as seconds (a number), so scripts need no TimeSpan parser, and marks
/// as hex strings ("0x00010000") like <c>plan --json</c>.
/// </summary>
public static class StatusJson
{
    public static readonly JsonSerializerOptions Options = Create(indented: true);

    /// <summary>The same on one line (<c>status --watch --json</c>: one report per line).</summary>
    public static readonly JsonSerializerOptions Compact = Create(indented: false);

    /// <summary>The metadata to serialize <typeparamref name="T"/> with, without reflection (the native build has none).</summary>
    public static JsonTypeInfo<T> Info<T>(bool indented = true) =>
        (JsonTypeInfo<T>)(indented ? Options : Compact).GetTypeInfo(typeof(T));

    public static string Serialize<T>(T value, bool indented = true) => JsonSerializer.Serialize(value, Info<T>(indented));

    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize(json, Info<T>());

    private static JsonSerializerOptions Create(bool indented)
    {
        // Relaxed escaping: explanations hold ' and > ("uplink 'isp1'", "->"), which
        // the default encoder writes as \u0027 and \u003E. The output is never put in HTML.
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = indented,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = StatusJsonContext.Default,
        };
        // One generic converter per enum that reaches JSON: the non-generic factory makes
        // its converters with reflection, which the native build does not have.
        o.Converters.Add(new JsonStringEnumConverter<HealthState>(JsonNamingPolicy.KebabCaseLower));
        o.Converters.Add(new JsonStringEnumConverter<Decision>(JsonNamingPolicy.KebabCaseLower));
        o.Converters.Add(new JsonStringEnumConverter<OperatorMode>(JsonNamingPolicy.KebabCaseLower));
        o.Converters.Add(new SecondsConverter());
        o.MakeReadOnly();
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
