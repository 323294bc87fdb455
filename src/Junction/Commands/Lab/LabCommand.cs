using System.CommandLine;

namespace Junction.Cli.Commands.Lab;

/// <summary>
/// <c>junction lab</c> in this executable: only where the lab is. The lab (≈ 2,000 lines of
/// namespace plumbing and traffic drivers) is the program junction-lab, which a source
/// checkout's <c>./junction</c> launcher runs for <c>./junction lab ...</c>; the installed
/// executable and the Debian package do not carry it.
/// </summary>
internal static class LabCommand
{
    public const string Where =
        "The lab is a separate program, run from a source checkout: './setup.sh && ./junction lab demo' " +
        "(also 'lab up', 'lab connect', 'lab down'; see README.md). The installed junction does not include it.";

    public static Command Create()
    {
        var command = new Command("lab",
            "Build a test network in network namespaces (clients, a router running Junction, ISPs, a server) " +
            "and see how Junction spreads real connections. " + Where)
        {
            // 'junction lab demo -n 50' gets the pointer, not a parse error about 'demo'.
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(_ =>
        {
            Console.Error.WriteLine($"error: this junction has no lab. {Where}");
            return ExitCodes.Failed;
        });
        return command;
    }
}
