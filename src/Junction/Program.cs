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
        if (args.Length == 0)
        {
            // 'junction' alone shows the commands, but is still a command line without one:
            // exit 2 as the README's table says, not System.CommandLine's 1 (an invalid file's code).
            await root.Parse(["--help"]).InvokeAsync(invocation);
            return ExitCodes.Usage;
        }
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
            return UsageError.Report(parse);
        return await parse.InvokeAsync(invocation);
    }
}
