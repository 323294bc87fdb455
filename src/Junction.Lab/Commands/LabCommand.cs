using System.CommandLine;
using Junction.Cli.Commands;

namespace Junction.Lab.Commands;

/// <summary><c>junction lab</c>: a little internet in network namespaces, to see and test Junction for real.</summary>
internal static class LabCommand
{
    public static Command Create() => new("lab",
        "Build a test network in network namespaces (clients, a router running Junction, ISPs, a server) " +
        "and see how Junction spreads real connections. Needs root; never changes this machine's own " +
        "interfaces, routes or firewall.")
    {
        LabUpCommand.Create(),
        LabDownCommand.Create(),
        LabDemoCommand.Create(),
        LabConnectCommand.Create(),
        LabServeCommand.Create(),
    };

    public static Option<string> Prefix() => new("--prefix", "-p")
    {
        Description = $"Name prefix of the lab's namespaces (PREFIX-router, PREFIX-isp1, ...), so several labs can coexist.",
        DefaultValueFactory = _ => LabOptions.DefaultPrefix,
        HelpName = "PREFIX",
    };

    public static Option<int> Uplinks(int byDefault) => new("--uplinks", "-u")
    {
        Description = $"How many ISPs (uplinks wan1..wanN), 1 to {LabOptions.MaxUplinks}.",
        DefaultValueFactory = _ => byDefault,
        HelpName = "N",
    };

    public static Option<int> Clients(int byDefault) => new("--clients")
    {
        Description = $"How many client namespaces on the LAN, 1 to {LabOptions.MaxClients}.",
        DefaultValueFactory = _ => byDefault,
        HelpName = "N",
    };

    /// <summary>Prints the option problems one per line; true when there were any.</summary>
    public static bool Report(IReadOnlyList<string> problems)
    {
        foreach (var problem in problems)
            Console.Error.WriteLine($"error: {problem}");
        return problems.Count > 0;
    }

    /// <summary>The one-line error for a lab that could not be built or driven, without a stack trace.</summary>
    public static int Fail(string what, Exception e)
    {
        Console.Error.WriteLine($"error: {what}: {e.Message}");
        return ExitCodes.Failed;
    }

    /// <summary>Namespaces need root; say so plainly rather than let 'ip' fail obscurely.</summary>
    public static bool NeedsRoot()
    {
        if (Environment.IsPrivilegedProcess) return false;
        Console.Error.WriteLine("error: the lab makes network namespaces, which needs root; run it with sudo");
        return true;
    }
}
