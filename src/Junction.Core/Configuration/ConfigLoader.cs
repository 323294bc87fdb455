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
        return errors.Count == 0 ? (model, errors) : (null, errors);
    }

    public static JunctionModel LoadText(string text, string file)
    {
        var (model, errors) = TryLoadText(text, file);
        return model ?? throw new ConfigException(errors);
    }

    public static JunctionModel Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([new ConfigError(path, SourcePosition.None, "configuration",
                $"cannot read the file: {e.Message}", "give an existing file with -c FILE")]);
        }
        return LoadText(text, path);
    }
}
