using System.CommandLine;
using Junction.Cli.Control;

namespace Junction.Cli.Commands;

/// <summary>The --socket option of the verbs that talk to the daemon.</summary>
internal static class ControlOptionsCli
{
    public static Option<string> Socket() => new("--socket")
    {
        Description = "The daemon's control socket.",
        DefaultValueFactory = _ => ControlOptions.DefaultSocketPath,
        HelpName = "PATH",
    };

    /// <summary>Colour only for a terminal, and never when NO_COLOR is set.</summary>
    public static bool Colour => !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");
}
