using System.CommandLine;
using System.Text.Json.Nodes;
using Junction.Cli.Commands;

namespace Junction.Lab.Commands;

/// <summary><c>junction lab down</c>: remove a lab completely; running it twice is fine.</summary>
internal static class LabDownCommand
{
    public static Command Create()
    {
        var prefix = LabCommand.Prefix();
        var json = CommonOptions.Json();
        var command = new Command("down",
            "Remove the lab: its namespaces (with their interfaces, routes, firewall rules and processes) and its files. " +
            "Does nothing, successfully, when no lab with that prefix is up.")
        {
            prefix, json,
        };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(prefix)!;
            if (LabCommand.Report(new LabOptions { Prefix = name }.Problems())) return ExitCodes.Usage;
            if (LabCommand.NeedsRoot()) return ExitCodes.Failed;
            IReadOnlyList<string> removed;
            try
            {
                removed = LabNetwork.Down(name);
            }
            catch (Exception e)
            {
                return LabCommand.Fail($"could not remove lab '{name}'", e);
            }
            var left = LabNetwork.NamespacesOf(name);
            if (parse.GetValue(json))
            {
                Console.WriteLine(LabDescription.Indented(new JsonObject
                {
                    ["prefix"] = name,
                    ["removed"] = new JsonArray([.. removed.Select(n => (JsonNode?)n)]),
                    ["left"] = new JsonArray([.. left.Select(n => (JsonNode?)n)]),
                }));
            }
            else if (removed.Count == 0)
                Console.WriteLine($"No lab '{name}' is up; nothing to remove.");
            else
                Console.WriteLine($"Removed lab '{name}': {string.Join(", ", removed)}.");
            if (left.Count == 0) return ExitCodes.Ok;
            Console.Error.WriteLine($"error: still there after removing: {string.Join(", ", left)} (see 'ip netns pids NAME')");
            return ExitCodes.Failed;
        });
        return command;
    }
}
