using System.CommandLine;
using Junction.Linux.Apply;
using Junction.Linux.Processes;

namespace Junction.Cli.Commands.Flush;

/// <summary><c>junction flush</c>: remove everything Junction programmed.</summary>
internal static class FlushCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var dryRun = CommonOptions.DryRun("Print what would be removed; change nothing.");
        var command = new Command("flush",
            "Remove Junction's nftables table and the ip rules and routes it owns, as recorded in the table's comment " +
            "(no configuration needed); nothing else is touched. Sysctls that apply set (ip_forward, IPv6 forwarding, " +
            "rp_filter) are NOT restored: earlier values are not recorded and turning forwarding off can cut off a " +
            "router; reset them with 'sysctl -w' if needed.")
        {
            dryRun, json,
        };
        command.SetAction(parse =>
        {
            var applier = new KernelApplier(CommandRunner.Current);
            return KernelReport.Run("flush", parse.GetValue(json), () => applier.Flush(parse.GetValue(dryRun)));
        });
        return command;
    }
}
