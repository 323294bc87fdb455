using System.CommandLine;
using Junction.Cli.Commands.Confirm;
using Junction.Cli.Daemon;
using Junction.Linux.Apply;
using Junction.Linux.Processes;
using Junction.Planning;

namespace Junction.Cli.Commands.Flush;

/// <summary><c>junction flush</c>: remove everything Junction programmed.</summary>
internal static class FlushCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var config = new Option<string?>("--config", "-c")
        {
            Description = "Also clean the rule priorities and tables this configuration uses: for when Junction's table is " +
                "already gone (e.g. after 'nft flush ruleset') and so is its record of what Junction owns.",
            HelpName = "FILE",
        };
        var dryRun = CommonOptions.DryRun("Print what would be removed; change nothing.");
        var wait = KernelLock.Wait();
        var command = new Command("flush",
            "Remove Junction's nftables table and the ip rules and routes it owns, as recorded in the table's comment " +
            "(no configuration needed; -c FILE for when the table is already gone); nothing else is touched. Sysctls that apply set (ip_forward, IPv6 forwarding, " +
            "rp_filter) are NOT restored: earlier values are not recorded and turning forwarding off can cut off a " +
            "router; reset them with 'sysctl -w' if needed. While a daemon runs in this network namespace, flush refuses (exit 3): " +
            "stop it first (or run it with --flush-on-exit).")
        {
            config, dryRun, json, wait,
        };
        command.SetAction(parse =>
        {
            Ownership? assumed = null;
            if (parse.GetValue(config) is { } path)
            {
                if (ConfigReport.Load(path, Console.Error, changesKernel: true, jsonVerb: parse.GetValue(json) ? "flush" : null) is not { } model) return ExitCodes.Failed;
                assumed = Ownership.For(Planner.Plan(model));
            }
            var applier = new KernelApplier(CommandRunner.Current);
            using var held = parse.GetValue(dryRun) ? null : KernelLock.Take("flush", LockRole.Flush, parse.GetValue(wait), parse.GetValue(json));
            if (held is null && !parse.GetValue(dryRun)) return ExitCodes.Busy;
            if (held is not null && PendingGate.Check("flush", applier, parse.GetValue(json)) is { } refused) return refused;
            var code = KernelReport.Run("flush", parse.GetValue(json), () => applier.Flush(parse.GetValue(dryRun), assumed));
            if (code == ExitCodes.Ok && assumed is null && applier.InstalledOwnership() is null && LeftoverRules(applier.Runner) is { } hint)
                Console.Error.WriteLine(hint);
            return code;
        });
        return command;
    }

    /// <summary>
    /// With no table there is no record of what Junction owns; rules that look like its own
    /// (an fwmark rule under the default mask, a main-table suppress rule) may be left from
    /// a table removed by hand. Say so rather than report a clean slate.
    /// </summary>
    private static string? LeftoverRules(CommandRunner runner)
    {
        var rules = runner.Run("ip", "rule", "show").Stdout + runner.Run("ip", "-6", "rule", "show").Stdout;
        var suspicious = rules.Split('\n').Count(l => l.Contains("/0xff0000 lookup") || l.Contains("suppress_prefixlength"));
        return suspicious == 0 ? null
            : $"warning: no Junction table is installed, but {suspicious} ip rule(s) look like Junction's (fwmark .../0xff0000 or suppress_prefixlength); " +
              "if its table was removed by hand, run 'junction flush -c FILE' with the configuration that made them";
    }
}
