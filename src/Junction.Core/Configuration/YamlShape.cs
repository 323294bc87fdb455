using YamlDotNet.RepresentationModel;

namespace Junction.Configuration;

/// <summary>
/// Reads YAML nodes as the shape a section expects (a mapping, a list, a value, known
/// keys), reporting each mismatch with its position into the parse's error list.
/// </summary>
internal sealed class YamlShape(string file, List<ConfigError> errors)
{
    public void Error(YamlNode node, string entity, string problem, string? fix) =>
        errors.Add(new ConfigError(file, YamlSyntax.Pos(node.Start), entity, problem, fix));

    public YamlMappingNode? Mapping(YamlNode node, string entity)
    {
        if (node is YamlMappingNode map) return map;
        Error(node, entity, $"must be a mapping of keys to values, found {Describe(node)}",
            "write 'key: value' pairs, indented under it");
        return null;
    }

    /// <summary>The mapping's entries by key; unknown keys are reported with a suggestion.</summary>
    public Dictionary<string, YamlNode> Keys(YamlMappingNode map, string entity, string[] allowed)
    {
        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (allowed.Contains(key))
                result[key] = value;
            else
                Error(keyNode, entity, $"unknown key '{key}'", Suggest.DidYouMean(key, allowed));
        }
        return result;
    }

    public Sourced<string>? Scalar(YamlNode? node, string entity)
    {
        if (node is null) return null;
        if (node is YamlScalarNode scalar)
            return new Sourced<string>(scalar.Value ?? "", YamlSyntax.Pos(node.Start));
        Error(node, entity, $"must be a single value, found {Describe(node)}", null);
        return null;
    }

    public IReadOnlyList<YamlNode> Items(YamlNode? node, string entity)
    {
        switch (node)
        {
            case null:
            case YamlScalarNode { Value: null or "" or "~" or "null" }:
                return [];
            case YamlSequenceNode seq:
                return seq.Children.ToList();
            default:
                Error(node, entity, $"must be a list, found {Describe(node)}", "write '- item' lines, or [a, b]");
                return [];
        }
    }

    public IReadOnlyList<Sourced<string>> ScalarList(YamlNode? node, string entity)
    {
        // A single value is accepted where a list is expected: "lan: lan0" means "lan: [lan0]".
        if (node is YamlScalarNode { Value: not (null or "" or "~" or "null") } single)
            return [new Sourced<string>(single.Value!, YamlSyntax.Pos(node.Start))];
        return Items(node, entity)
            .Select((n, i) => Scalar(n, $"{entity}[{i}]"))
            .OfType<Sourced<string>>()
            .ToList();
    }

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => $"'{s.Value}'",
        _ => "something else",
    };
}
