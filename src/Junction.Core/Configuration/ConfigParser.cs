using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Junction.Configuration;

/// <summary>
/// Turns YAML text into a <see cref="JunctionConfig"/>, checking only the shape
/// (known keys, mappings where mappings belong). Values are checked by
/// <see cref="ConfigValidator"/>. Every problem is collected; none stops the parse.
/// One method per section here; the node-shape checks are in <see cref="YamlShape"/>, the
/// explanation of YAML syntax errors in <see cref="YamlSyntax"/>.
/// </summary>
public static class ConfigParser
{
    internal static readonly string[] TopKeys =
        ["lan", "local", "balance", "mark-mask", "table-base", "rule-priority", "bypass", "flush", "uplinks", "pin", "metrics", "failback", "failback-hold", "ha", "passive"];
    internal static readonly string[] UplinkKeys =
        ["name", "interface", "gateway", "gateway6", "family", "weight", "id", "snat", "probe", "tier"];
    internal static readonly string[] SnatKeys = ["addresses", "spread"];
    internal static readonly string[] ProbeKeys = ["kind", "targets", "interval", "timeout", "down-after", "up-after", "require"];
    internal static readonly string[] PinKeys = ["to", "from", "protocol", "port", "via"];
    internal static readonly string[] MetricsKeys = ["listen"];
    internal static readonly string[] HaKeys = ["state-dir", "flush-delay", "hold-after-start"];
    internal static readonly string[] PassiveKeys = ["enabled", "destinations", "deadline-floor", "deadline-factor"];

    /// <summary>The configuration, or null when the file cannot be read as one at all (YAML syntax, empty, not a mapping).</summary>
    public static JunctionConfig? Parse(string text, string file, List<ConfigError> errors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var tab = YamlSyntax.TabAt(text, e);
            errors.Add(new ConfigError(file, tab ?? Pos(e.Start), "yaml", YamlSyntax.Clean(e.Message),
                tab is null ? YamlSyntax.SyntaxHint(text, e) : "indent with spaces: YAML does not allow tabs"));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this instead of a YamlException for some unclosed
            // flow collections ("lan: [lan0" followed by more lines). Say where it starts.
            var at = YamlSyntax.UnclosedFlow(text);
            errors.Add(new ConfigError(file, at, "yaml", "a '[' or '{' is never closed",
                "close the list with ']' (or the mapping with '}') on the same line"));
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            errors.Add(new ConfigError(file, Pos(second), "yaml", "the file holds more than one YAML document ('---')",
                "keep one document: Junction would silently ignore everything after the first"));
            return null;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            errors.Add(new ConfigError(file, new SourcePosition(1, 1), "configuration", "the file is empty",
                "add at least an 'uplinks:' list; see examples/"));
            return null;
        }

        var reader = new YamlShape(file, errors);
        if (reader.Mapping(stream.Documents[0].RootNode, "configuration") is not { } root)
            return null;

        var keys = reader.Keys(root, "configuration", TopKeys);
        var uplinksNode = keys.GetValueOrDefault("uplinks");
        return new JunctionConfig(
            file,
            reader.ScalarList(keys.GetValueOrDefault("lan"), "lan"),
            reader.Scalar(keys.GetValueOrDefault("local"), "local"),
            reader.Scalar(keys.GetValueOrDefault("balance"), "balance"),
            reader.Scalar(keys.GetValueOrDefault("mark-mask"), "mark-mask"),
            reader.Scalar(keys.GetValueOrDefault("table-base"), "table-base"),
            reader.Scalar(keys.GetValueOrDefault("rule-priority"), "rule-priority"),
            reader.ScalarList(keys.GetValueOrDefault("bypass"), "bypass"),
            reader.Items(uplinksNode, "uplinks").Select((n, i) => ParseUplink(reader, n, i)).OfType<UplinkConfig>().ToList(),
            // A missing 'uplinks:' is reported where the configuration starts: every error has a line.
            uplinksNode is null ? Pos(root.Start) : Pos(uplinksNode.Start),
            reader.Items(keys.GetValueOrDefault("pin"), "pin").Select((n, i) => ParsePin(reader, n, i)).OfType<PinConfig>().ToList())
        {
            Metrics = ParseMetrics(reader, keys.GetValueOrDefault("metrics")),
            Flush = reader.Scalar(keys.GetValueOrDefault("flush"), "flush"),
            Failback = reader.Scalar(keys.GetValueOrDefault("failback"), "failback"),
            FailbackHold = reader.Scalar(keys.GetValueOrDefault("failback-hold"), "failback-hold"),
            Ha = ParseHa(reader, keys.GetValueOrDefault("ha")),
            Passive = ParsePassive(reader, keys.GetValueOrDefault("passive")),
        };
    }

    /// <summary><c>passive: on|off</c>, or a mapping with <c>enabled</c> and the thresholds.</summary>
    private static PassiveConfig? ParsePassive(YamlShape reader, YamlNode? node)
    {
        if (node is null or YamlScalarNode { Value: null or "" or "~" or "null" }) return null;
        if (node is YamlScalarNode) return new PassiveConfig(Pos(node.Start), reader.Scalar(node, "passive"), null, null, null);
        if (reader.Mapping(node, "passive") is not { } map) return null;
        var keys = reader.Keys(map, "passive", PassiveKeys);
        return new PassiveConfig(Pos(node.Start),
            reader.Scalar(keys.GetValueOrDefault("enabled"), "passive.enabled"),
            reader.Scalar(keys.GetValueOrDefault("destinations"), "passive.destinations"),
            reader.Scalar(keys.GetValueOrDefault("deadline-floor"), "passive.deadline-floor"),
            reader.Scalar(keys.GetValueOrDefault("deadline-factor"), "passive.deadline-factor"));
    }

    private static MetricsConfig? ParseMetrics(YamlShape reader, YamlNode? node)
    {
        // "metrics:" with nothing after it, like an absent key, leaves the listener off.
        if (node is null or YamlScalarNode { Value: null or "" or "~" or "null" }) return null;
        if (reader.Mapping(node, "metrics") is not { } map) return null;
        var keys = reader.Keys(map, "metrics", MetricsKeys);
        return new MetricsConfig(Pos(node.Start), reader.Scalar(keys.GetValueOrDefault("listen"), "metrics.listen"));
    }

    private static HaConfig? ParseHa(YamlShape reader, YamlNode? node)
    {
        // "ha:" alone turns high availability on with every default.
        if (node is null) return null;
        if (node is YamlScalarNode { Value: null or "" or "~" or "null" }) return new HaConfig(Pos(node.Start), null, null, null);
        if (reader.Mapping(node, "ha") is not { } map) return null;
        var keys = reader.Keys(map, "ha", HaKeys);
        return new HaConfig(Pos(node.Start), reader.Scalar(keys.GetValueOrDefault("state-dir"), "ha.state-dir"),
            reader.Scalar(keys.GetValueOrDefault("flush-delay"), "ha.flush-delay"),
            reader.Scalar(keys.GetValueOrDefault("hold-after-start"), "ha.hold-after-start"));
    }

    private static UplinkConfig? ParseUplink(YamlShape reader, YamlNode node, int index)
    {
        var entity = $"uplinks[{index}]";
        if (reader.Mapping(node, entity) is not { } map) return null;
        // The name first, so every other message about this uplink can use it.
        var nameNode = map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: "name" }).Value;
        var name = reader.Scalar(nameNode, entity);
        if (name is not null) entity = $"uplink '{name.Value}'";
        var keys = reader.Keys(map, entity, UplinkKeys);
        return new UplinkConfig(
            Pos(node.Start),
            name,
            reader.Scalar(keys.GetValueOrDefault("interface"), $"{entity}.interface"),
            reader.Scalar(keys.GetValueOrDefault("gateway"), $"{entity}.gateway"),
            reader.Scalar(keys.GetValueOrDefault("gateway6"), $"{entity}.gateway6"),
            reader.Scalar(keys.GetValueOrDefault("family"), $"{entity}.family"),
            reader.Scalar(keys.GetValueOrDefault("weight"), $"{entity}.weight"),
            reader.Scalar(keys.GetValueOrDefault("id"), $"{entity}.id"),
            ParseSnat(reader, keys.GetValueOrDefault("snat"), $"{entity}.snat"),
            ParseProbe(reader, keys.GetValueOrDefault("probe"), $"{entity}.probe"))
        {
            Tier = reader.Scalar(keys.GetValueOrDefault("tier"), $"{entity}.tier"),
        };
    }

    private static ProbeConfig? ParseProbe(YamlShape reader, YamlNode? node, string entity)
    {
        switch (node)
        {
            case null:
                return null;
            // "probe:" with nothing after it asks for the defaults, like "probe: {}".
            case YamlScalarNode { Value: null or "" or "~" or "null" }:
                return new ProbeConfig(Pos(node.Start), null, [], Pos(node.Start), null, null, null, null, null);
            case YamlMappingNode map:
                var keys = reader.Keys(map, entity, ProbeKeys);
                var targets = keys.GetValueOrDefault("targets");
                return new ProbeConfig(
                    Pos(node.Start),
                    reader.Scalar(keys.GetValueOrDefault("kind"), $"{entity}.kind"),
                    reader.ScalarList(targets, $"{entity}.targets"),
                    targets is null ? Pos(node.Start) : Pos(targets.Start),
                    reader.Scalar(keys.GetValueOrDefault("interval"), $"{entity}.interval"),
                    reader.Scalar(keys.GetValueOrDefault("timeout"), $"{entity}.timeout"),
                    reader.Scalar(keys.GetValueOrDefault("down-after"), $"{entity}.down-after"),
                    reader.Scalar(keys.GetValueOrDefault("up-after"), $"{entity}.up-after"),
                    reader.Scalar(keys.GetValueOrDefault("require"), $"{entity}.require"));
            default:
                reader.Error(node, entity, "must be a mapping", "write 'probe:' followed by indented settings");
                return null;
        }
    }

    private static SnatConfig? ParseSnat(YamlShape reader, YamlNode? node, string entity)
    {
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode scalar:
                return new SnatConfig(Pos(node.Start), new Sourced<string>(scalar.Value ?? "", Pos(node.Start)), [], null);
            case YamlMappingNode map:
                var keys = reader.Keys(map, entity, SnatKeys);
                return new SnatConfig(
                    Pos(node.Start),
                    null,
                    reader.ScalarList(keys.GetValueOrDefault("addresses"), $"{entity}.addresses"),
                    reader.Scalar(keys.GetValueOrDefault("spread"), $"{entity}.spread"));
            default:
                reader.Error(node, entity, "must be 'masquerade', 'none' or a mapping with 'addresses:'",
                    "e.g. snat: { addresses: [192.0.2.10, 192.0.2.11], spread: round-robin }");
                return null;
        }
    }

    private static PinConfig? ParsePin(YamlShape reader, YamlNode node, int index)
    {
        var entity = $"pin[{index}]";
        if (reader.Mapping(node, entity) is not { } map) return null;
        var keys = reader.Keys(map, entity, PinKeys);
        return new PinConfig(
            Pos(node.Start),
            reader.Scalar(keys.GetValueOrDefault("to"), $"{entity}.to"),
            reader.Scalar(keys.GetValueOrDefault("from"), $"{entity}.from"),
            reader.Scalar(keys.GetValueOrDefault("protocol"), $"{entity}.protocol"),
            reader.Scalar(keys.GetValueOrDefault("port"), $"{entity}.port"),
            reader.Scalar(keys.GetValueOrDefault("via"), $"{entity}.via"));
    }

    private static SourcePosition Pos(Mark mark) => YamlSyntax.Pos(mark);
}
