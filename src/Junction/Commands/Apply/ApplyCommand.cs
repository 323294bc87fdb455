using System.CommandLine;
using Junction.Cli.Commands.Confirm;
using Junction.Cli.Daemon;
using Junction.Linux.Apply;
using Junction.Linux.Processes;
using Junction.Planning;

namespace Junction.Cli.Commands.Apply;

/// <summary><c>junction apply</c>: make the kernel match a configuration.</summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var down = CommonOptions.Down();
        var dryRun = CommonOptions.DryRun("Compare the kernel with the plan and print what would change; change nothing.");
        var wait = KernelLock.Wait();
        var confirm = ConfirmWindow.Option();
        var command = new Command("apply",
            "Make the kernel match the configuration and print what changed: Junction's nftables table replaced in one " +
            "atomic transaction, its ip rules and routes reconciled, sysctls set. Running it again changes nothing; if the " +
            "kernel refuses a change, everything is rolled back (exit 1); an invalid configuration touches nothing. What " +
            "Junction owns is recorded in its table's comment, for 'junction flush'. One writer per network namespace: " +
            "while a daemon runs here, apply refuses (exit 3; reload the daemon instead); a concurrent apply or flush is waited for (--wait). " +
            "--confirm SECONDS applies on probation: without 'junction confirm' in time the state before it comes back.")
        {
            config, down, dryRun, json, wait, confirm,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            if (parse.GetValue(confirm) is { } asked && ConfirmWindow.Invalid(asked, parse.GetValue(dryRun)) is { } usage)
                return CliJson.Fail("apply", asJson, usage, ExitCodes.Usage);
            if (ConfigReport.Load(parse.GetValue(config)!, Console.Error, changesKernel: true, jsonVerb: asJson ? "apply" : null) is not { } model)
                return ExitCodes.Failed;
            if (CommonOptions.Unhealthy(parse.GetValue(down), model, "apply", asJson) is not { } unhealthy) return ExitCodes.Usage;
            var plan = Planner.Plan(model, unhealthy);
            var applier = new KernelApplier(CommandRunner.Current);
            // A dry run only reads: it needs no lock, and may compare while a daemon runs.
            if (parse.GetValue(dryRun)) return KernelReport.Run("apply", parse.GetValue(json), () => applier.Apply(plan, dryRun: true));
            using var held = KernelLock.Take("apply", LockRole.Apply, parse.GetValue(wait), parse.GetValue(json));
            if (held is null) return ExitCodes.Busy;
            if (PendingGate.Check("apply", applier, parse.GetValue(json)) is { } refused) return refused;
            if (parse.GetValue(confirm) is { } seconds)
                return ConfirmWindow.Apply(applier, plan, parse.GetValue(config)!, seconds, parse.GetValue(json));
            return KernelReport.Run("apply", parse.GetValue(json), () => applier.Apply(plan));
        });
        return command;
    }
}
