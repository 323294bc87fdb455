using Junction.Model;

namespace Junction.Configuration;

/// <summary>Reads, parses and validates a configuration file into a <see cref="JunctionModel"/>.</summary>
public static class ConfigLoader
{
    public const string DefaultPath = "/etc/junction/junction.yaml";

    /// <summary>The model, or every error found (never both).</summary>
    public static (JunctionModel? Model, IReadOnlyList<ConfigError> Errors) TryLoadText(string text, string file)
    {
        var errors = new List<ConfigError>();
        // A file that is not a configuration at all gets only that error: checking values
        // of a half-read file would add noise, not help.
        if (ConfigParser.Parse(text, file, errors) is not { } config)
            return (null, errors);
        var model = ConfigValidator.Validate(config, errors);
        // The validators go section by section (the uplinks' ranges after every uplink, the
        // unknown keys first): a person reads the list top to bottom, so it is in file order.
        return errors.Count == 0 ? (model, errors) : (null, [.. errors.OrderBy(e => e.Position.Line).ThenBy(e => e.Position.Column)]);
    }

    public static JunctionModel LoadText(string text, string file)
    {
        var (model, errors) = TryLoadText(text, file);
        return model ?? throw new ConfigException(errors);
    }

    public static JunctionModel Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var (problem, fix) = e switch
            {
                _ when Directory.Exists(path) => ("is a directory, not a configuration file", "give the YAML file itself with -c FILE"),
                FileNotFoundException or DirectoryNotFoundException => ("no configuration file here",
                    path == DefaultPath ? "write one (see examples/ and docs/configuration.md) or give another with -c FILE" : "check the path, or give another with -c FILE"),
                UnauthorizedAccessException => ("permission denied", "run as root, or give a file you can read"),
                _ => ($"cannot read the file: {e.Message}", "give a readable file with -c FILE"),
            };
            throw new ConfigException([new ConfigError(path, SourcePosition.None, "file", problem, fix)]);
        }
        return LoadText(ConfigText.Decode(bytes, path), path);
    }
}
