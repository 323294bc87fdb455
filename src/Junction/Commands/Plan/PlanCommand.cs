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
        var down = new Option<string[]>("--down")
        {
            Description = "Plan as if this uplink were unhealthy (repeat for several).",
            HelpName = "NAME",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("plan",
            "Print what Junction would program: uplinks and their shares, ip rules, routes, sysctls and the nftables table. Touches nothing.")
        {
            config, down, json,
        };
        command.SetAction(parse =>
        {
            if (ConfigReport.Load(parse.GetValue(config)!, Console.Error) is not { } model) return ExitCodes.Failed;
            var unhealthy = new HashSet<string>(parse.GetValue(down) ?? []);
            var unknown = unhealthy.Where(n => model.Uplinks.All(u => u.Name != n)).ToList();
            if (unknown.Count > 0)
            {
                Console.Error.WriteLine($"error: --down {string.Join(", ", unknown)}: no such uplink (uplinks: {string.Join(", ", model.Uplinks.Select(u => u.Name))})");
                return ExitCodes.Usage;
            }
            var plan = Planner.Plan(model, unhealthy);
            Console.Write(parse.GetValue(json) ? PlanFormatter.Json(plan, model) + "\n" : PlanFormatter.Text(plan, model));
            return ExitCodes.Ok;
        });
        return command;
    }
}
