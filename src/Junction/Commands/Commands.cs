using System.CommandLine;

namespace Junction.Cli.Commands;

/// <summary>Every verb of the CLI, in the order --help lists them.</summary>
internal static class Commands
{
    public static IEnumerable<Command> All() =>
    [
        Validate.ValidateCommand.Create(),
        Plan.PlanCommand.Create(),
        Apply.ApplyCommand.Create(),
        Flush.FlushCommand.Create(),
        Confirm.ConfirmCommand.Create(),
        Run.RunCommand.Create(),
        Status.StatusCommand.Create(),
        Explain.ExplainCommand.Create(),
        .. Operator.OperatorCommand.All(),
        Install.InstallCommand.Create(),
        Ha.HaCommand.Create(),
        Lab.LabCommand.Create(),
        Confirm.ConfirmTimerCommand.Create(),
    ];
}
