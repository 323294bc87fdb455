using System.CommandLine;
using Junction.Planning;

namespace Junction.Cli.Commands.Plan;

/// <summary><c>junction plan</c>: print the kernel state a configuration asks for, without applying it.</summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var down = CommonOptions.Down();
        var command = new Command("plan",
            "Print what Junction would program: uplinks and their shares, ip rules, routes, sysctls and the nftables table. Touches nothing.")
        {
            config, down, json,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            if (ConfigReport.Load(parse.GetValue(config)!, Console.Error, jsonVerb: asJson ? "plan" : null) is not { } model) return ExitCodes.Failed;
            if (CommonOptions.Unhealthy(parse.GetValue(down), model, "plan", asJson) is not { } unhealthy) return ExitCodes.Usage;
            var plan = Planner.Plan(model, unhealthy);
            Console.Write(parse.GetValue(json) ? PlanFormatter.Json(plan, model) + "\n" : PlanFormatter.Text(plan, model));
            return ExitCodes.Ok;
        });
        return command;
    }
}
