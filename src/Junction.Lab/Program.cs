using System.CommandLine;
using Junction.Cli.Commands;
using Junction.Lab.Commands;

namespace Junction.Lab;

/// <summary>
/// junction-lab: the namespace lab as a program of its own, so the junction executable and
/// its Debian package do not carry it. The checkout's <c>./junction</c> launcher hands it every
/// <c>junction lab ...</c> command line.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        // Named 'junction', not after this executable: people type './junction lab ...', and
        // the usage lines and hints should say so.
        var root = new Command("junction", "The Junction lab: a little internet in network namespaces. Run it as './junction lab ...' from a source checkout.")
        {
            new System.CommandLine.Help.HelpOption(),
            LabCommand.Create(),
        };
        var invocation = new InvocationConfiguration
        {
            // Without a timeout System.CommandLine 2.0 never passes SIGTERM/Ctrl-C to the action's token.
            ProcessTerminationTimeout = TimeSpan.FromSeconds(10),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && args.Length > 1)
            return UsageError.Report(parse);
        return await parse.InvokeAsync(invocation);
    }
}
