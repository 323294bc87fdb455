using System.CommandLine;
using System.CommandLine.Parsing;

namespace Junction.Cli.Commands;

/// <summary>
/// One 'error:' line per problem and where to read more, exit 2: the whole help text
/// after every typo buries the one line that matters. 'junction' alone still shows help (exit 2 too).
/// Shared by junction and the lab program (junction-lab), whose root is also 'junction'.
/// </summary>
internal static class UsageError
{
    public static int Report(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var path = new List<string>();
        for (var c = parse.CommandResult; c.Parent is CommandResult parent; c = parent)
            path.Insert(0, c.Command.Name);
        var name = string.Join(' ', ["junction", .. path]);
        foreach (var message in parse.Errors.Select(e => e.Message).Distinct())
            Console.Error.WriteLine($"error: {message}");
        // A hidden command (junction docs) has no --help text to send anyone to: name its commands.
        Console.Error.WriteLine(command.Subcommands.Count > 0 && path.Count == 0
            ? "Run 'junction --help' for the commands."
            : command.Hidden && command.Subcommands.Count > 0
                ? $"Its commands: {name} {string.Join('|', command.Subcommands.Select(c => c.Name))}."
                : $"Run '{name} --help' for its options.");
        return ExitCodes.Usage;
    }
}
