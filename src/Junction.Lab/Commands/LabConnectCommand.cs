using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using Junction.Cli.Commands;

namespace Junction.Lab.Commands;

/// <summary><c>junction lab connect</c>: open connections from a client of a running lab and show which uplinks they used.</summary>
internal static class LabConnectCommand
{
    public static Command Create()
    {
        var prefix = LabCommand.Prefix();
        var client = new Option<int>("--client")
        {
            Description = "Which client namespace the connections start from (PREFIX-cK).",
            DefaultValueFactory = _ => 1,
            HelpName = "K",
        };
        var count = new Option<int>("--count", "-n")
        {
            Description = $"How many connections to open, 1 to {ConnectOptions.MaxCount}.",
            DefaultValueFactory = _ => 10,
            HelpName = "N",
        };
        var from = new Option<string[]>("--from")
        {
            Description = "Source addresses to use in turn (repeat, or list several); they must be the client's own. Default: the kernel's choice",
            HelpName = "ADDRESS",
            AllowMultipleArgumentsPerToken = true,
        };
        var json = CommonOptions.Json();
        var command = new Command("connect",
            "Open connections from a client of a running lab ('junction lab up') to its server, each closed once answered, " +
            "and count which uplink each used (the server sees 10.200.I.1 for ISP I).")
        {
            prefix, client, count, from, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var name = parse.GetValue(prefix)!;
            if (LabCommand.Report(new LabOptions { Prefix = name }.Problems())) return ExitCodes.Usage;
            if (LabCommand.NeedsRoot()) return ExitCodes.Failed;
            if (LabNetwork.Discover(name) is not { } topology)
            {
                Console.Error.WriteLine($"error: no lab '{name}' is up; start one with 'junction lab up{(name == LabOptions.DefaultPrefix ? "" : " --prefix " + name)}'");
                return ExitCodes.Failed;
            }
            var k = parse.GetValue(client);
            if (k < 1 || k > topology.Clients)
            {
                Console.Error.WriteLine($"error: --client {k}: lab '{name}' has clients 1..{topology.Clients}");
                return ExitCodes.Usage;
            }
            var sources = new List<IPAddress>();
            foreach (var text in parse.GetValue(from) ?? [])
            {
                if (!IPAddress.TryParse(text, out var address))
                {
                    Console.Error.WriteLine($"error: --from {text}: not an IP address");
                    return ExitCodes.Usage;
                }
                sources.Add(address);
            }
            var options = new ConnectOptions { Namespace = topology.ClientNamespace(k), Server = topology.Service, Count = parse.GetValue(count), Sources = sources };
            if (LabCommand.Report(options.Problems())) return ExitCodes.Usage;

            IReadOnlyList<ConnectionOutcome> outcomes;
            try
            {
                outcomes = await ConnectionDriver.RunAsync(options, cancel);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("interrupted");
                return ExitCodes.Failed;
            }
            catch (Exception e)
            {
                return LabCommand.Fail($"could not connect from {options.Namespace}", e);
            }

            var table = ShareTable.Count(topology, outcomes, weights: null);
            if (parse.GetValue(json))
            {
                var result = table.Json();
                result["connections"] = new JsonArray([.. outcomes.Select(o => (JsonNode?)new JsonObject
                {
                    ["local"] = o.Local?.ToString(),
                    ["seen"] = o.Seen?.ToString(),
                    ["uplink"] = o.Seen is { } s ? topology.UplinkOf(s.Address) : null,
                    ["error"] = o.Error,
                })]);
                Console.WriteLine(LabDescription.Indented(result));
            }
            else
            {
                Console.WriteLine($"{outcomes.Count} connections from {options.Namespace} to {topology.Service}:");
                Console.WriteLine();
                Console.Write(table.Text());
            }
            return table.Failed.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }
}
