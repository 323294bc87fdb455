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

    /// <summary>
    /// Refuses a number of seconds outside <paramref name="min"/>..<paramref name="max"/> at parse
    /// time (exit 2). NaN is a double too and compares false with everything, so a plain range
    /// check let it through to TimeSpan.FromSeconds, which threw: every seconds option has this check.
    /// </summary>
    public static Option<double> Seconds(this Option<double> option, double min, double max)
    {
        option.Validators.Add(r =>
        {
            // Not a number at all ('abc'): the parser reports that itself; GetValueOrDefault would throw.
            if (r.Tokens.Count == 1 && !double.TryParse(r.Tokens[0].Value, out _)) return;
            var seconds = r.GetValueOrDefault<double>();
            if (!(seconds >= min && seconds <= max))
                r.AddError($"{option.Name} must be from {min} to {max} seconds");
        });
        return option;
    }

    /// <summary>The --down names, or null after printing which ones the configuration does not have (as JSON too with <paramref name="json"/>).</summary>
    public static HashSet<string>? Unhealthy(string[]? names, Model.JunctionModel model, string verb, bool json)
    {
        var unhealthy = new HashSet<string>(names ?? []);
        var unknown = unhealthy.Where(n => model.Uplinks.All(u => u.Name != n)).ToList();
        if (unknown.Count == 0) return unhealthy;
        CliJson.Fail(verb, json, $"--down {string.Join(", ", unknown)}: no such uplink (uplinks: {string.Join(", ", model.Uplinks.Select(u => u.Name))})", ExitCodes.Usage);
        return null;
    }
}
