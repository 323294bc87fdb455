using System.CommandLine;
using Junction.Configuration;

namespace Junction.Cli.Commands;

/// <summary>Options several verbs share, spelled the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string> Config() => new("--config", "-c")
    {
        Description = $"The configuration file (YAML). Default: {ConfigLoader.DefaultPath}",
        DefaultValueFactory = _ => ConfigLoader.DefaultPath,
        HelpName = "FILE",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print JSON for scripts instead of text for people.",
    };
}
