using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Junction.Cli.Commands;

/// <summary>
/// One 'error:' line per problem and where to read more, exit 2: the whole help text
/// after every typo buries the one line that matters. 'junction' alone still shows help (exit 2 too).
/// Shared by junction and the lab program (junction-lab), whose root is also 'junction'.
/// </summary>
internal static partial class UsageError
{
    public static int Report(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var path = new List<string>();
        for (var c = parse.CommandResult; c.Parent is CommandResult parent; c = parent)
            path.Insert(0, c.Command.Name);
        var name = string.Join(' ', ["junction", .. path]);
        var messages = parse.Errors.Select(e => Plain(e.Message)).Distinct().ToList();
        foreach (var message in messages)
            Console.Error.WriteLine($"error: {message}");
        // A script that asked for JSON gets JSON, even when the rest of its command line is wrong.
        if (AskedForJson(parse))
            Console.WriteLine(CliJson.Failure(string.Join(' ', path), string.Join("; ", messages.Select(m => m.TrimEnd('.')))).ToJsonString(CliJson.Indented));
        // A hidden command (junction docs) has no --help text to send anyone to: name its commands.
        Console.Error.WriteLine(command.Subcommands.Count > 0 && path.Count == 0
            ? "Run 'junction --help' for the commands."
            : command.Hidden && command.Subcommands.Count > 0
                ? $"Its commands: {name} {string.Join('|', command.Subcommands.Select(c => c.Name))}."
                : $"Run '{name} --help' for its options.");
        return ExitCodes.Usage;
    }

    /// <summary>
    /// Whether the verb has a --json option and this command line set it (true): not merely a
    /// token that reads '--json' (an option's value, '--json=false', a verb without it).
    /// </summary>
    private static bool AskedForJson(ParseResult parse)
    {
        if (parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == "--json") is not Option<bool> json ||
            parse.GetResult(json) is not { Implicit: false })
            return false;
        try
        {
            return parse.GetValue(json);
        }
        catch (InvalidOperationException)
        {
            // '--json=maybe': not a yes.
            return false;
        }
    }

    /// <summary>
    /// System.CommandLine names the .NET type a value did not convert to ("as expected type
    /// 'System.Nullable`1[System.Int32]'"): say what to write instead.
    /// </summary>
    internal static string Plain(string message)
    {
        var m = NotConverted().Match(message);
        if (!m.Success) return message;
        var what = m.Groups["type"].Value switch
        {
            var t when t.Contains("Int32", StringComparison.Ordinal) || t.Contains("Int64", StringComparison.Ordinal) => "a whole number",
            var t when t.Contains("Double", StringComparison.Ordinal) => "a number",
            _ => "a valid value",
        };
        return $"{m.Groups["option"].Value}: '{m.Groups["value"].Value}' is not {what}";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|argument) '(?<option>.*)' as expected type '(?<type>.*)'\.$")]
    private static partial Regex NotConverted();
}
