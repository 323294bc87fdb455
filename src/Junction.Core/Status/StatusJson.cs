using System.Text.Json;
using System.Text.Json.Serialization;

namespace Junction.Status;

/// <summary>
/// The JSON spelling of reports, shared by the server and the CLI: camelCase names, enums
/// as words, durations as seconds (a number), so scripts need no TimeSpan parser.
/// </summary>
public static class StatusJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        o.Converters.Add(new SecondsConverter());
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

    private sealed class SecondsConverter : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TimeSpan.FromSeconds(reader.GetDouble());

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
            writer.WriteNumberValue(Math.Round(value.TotalSeconds, 6));
    }
}
