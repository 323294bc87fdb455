using System.CommandLine;
using Junction.Configuration;

namespace Junction.Cli.Commands;

/// <summary>Options several verbs share, spelled the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string> Config() => new("--config", "-c")
    {
        Description = "The configuration file (YAML).",
        DefaultValueFactory = _ => ConfigLoader.DefaultPath,
        HelpName = "FILE",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print JSON for scripts instead of text for people.",
    };

    public static Option<bool> DryRun(string description) => new("--dry-run")
    {
        Description = description,
    };

    public static Option<string[]> Down() => new("--down")
    {
        Description = "Treat this uplink as unhealthy: no new connections go to it (repeat for several).",
        HelpName = "NAME",
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>The --down names, or null after printing which ones the configuration does not have.</summary>
    public static HashSet<string>? Unhealthy(string[]? names, Model.JunctionModel model, TextWriter error)
    {
        var unhealthy = new HashSet<string>(names ?? []);
        var unknown = unhealthy.Where(n => model.Uplinks.All(u => u.Name != n)).ToList();
        if (unknown.Count == 0) return unhealthy;
        error.WriteLine($"error: --down {string.Join(", ", unknown)}: no such uplink (uplinks: {string.Join(", ", model.Uplinks.Select(u => u.Name))})");
        return null;
    }
}
