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
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Print what would be removed; change nothing.",
        };
        var command = new Command("flush",
            "Remove everything Junction programmed: the ip rules in its priority range, the routes in its tables and its " +
            "nftables table, as recorded in that table's comment (no configuration needed). Other tables, rules, routes " +
            "and marks are left alone. Sysctls that apply set (ip_forward, IPv6 forwarding, rp_filter) are NOT restored: " +
            "their earlier values are not recorded and turning forwarding off could cut off a router; set them back with " +
            "'sysctl -w' if you need to. With no Junction table installed, it reports no changes.")
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
