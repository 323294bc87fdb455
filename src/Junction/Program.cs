using System.CommandLine;
using Junction.Cli.Commands;

namespace Junction.Cli;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var root = new RootCommand(
            "Junction spreads outgoing connections across uplinks and source addresses, per connection, " +
            "with nftables and policy routing.\nStart with './junction lab demo' in a source checkout (the lab is not part of an installed junction), or 'junction plan -c FILE' to see what a configuration does.");
        foreach (var command in Commands.Commands.All())
            root.Subcommands.Add(command);
        root.Subcommands.Add(Commands.Docs.DocsCommand.Create(root));

        var invocation = new InvocationConfiguration
        {
            // Without a timeout System.CommandLine 2.0 never passes SIGTERM/Ctrl-C to the action's token.
            ProcessTerminationTimeout = TimeSpan.FromSeconds(10),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && args.Length > 0)
            return UsageError(parse);
        return await parse.InvokeAsync(invocation);
    }

    /// <summary>
    /// One 'error:' line per problem and where to read more, exit 2: the whole help text
    /// after every typo buries the one line that matters. 'junction' alone still shows help.
    /// </summary>
    private static int UsageError(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var path = new List<string>();
        for (var c = parse.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
            if (c.Command is not RootCommand) path.Insert(0, c.Command.Name);
        var name = string.Join(' ', ["junction", .. path]);
        foreach (var message in parse.Errors.Select(e => e.Message).Distinct())
            Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine(command.Subcommands.Count > 0 && path.Count == 0
            ? "Run 'junction --help' for the commands."
            : $"Run '{name} --help' for its options.");
        return ExitCodes.Usage;
    }
}
