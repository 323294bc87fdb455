using System.CommandLine;
using System.Diagnostics;
using Junction.Cli.Commands;
using Junction.Configuration;

namespace Junction.Lab.Commands;

/// <summary>
/// <c>junction lab demo</c>: build a lab, run Junction on its router, open real connections
/// and show how they spread over the uplinks; then remove the lab, also on failure or Ctrl-C.
/// </summary>
internal static class LabDemoCommand
{
    private static readonly TimeSpan ApplyTimeout = TimeSpan.FromSeconds(60);

    public static Command Create()
    {
        var uplinks = LabCommand.Uplinks(3);
        var clients = LabCommand.Clients(2);
        var connections = new Option<int>("--connections", "-n")
        {
            Description = $"How many connections to open in all, spread over the clients, at most {ConnectOptions.MaxCount}.",
            DefaultValueFactory = _ => 300,
            HelpName = "N",
        };
        var prefix = LabCommand.Prefix();
        var keep = new Option<bool>("--keep")
        {
            Description = "Leave the lab (and Junction on its router) up afterwards, to look around; remove it with 'junction lab down'.",
        };
        var noApply = new Option<bool>("--no-apply")
        {
            Description = "Do not run Junction: plain routing, for comparison (every connection leaves by ISP 1, the main table's default route).",
        };
        var json = CommonOptions.Json();
        var command = new Command("demo",
            "See Junction work, on this machine, without touching its network: build a lab in network namespaces, " +
            "apply a configuration with weights 1:1 (2 uplinks) or 1:2:...:N on its router ('junction apply'), open real " +
            "TCP connections from the clients, and print per uplink the configured weight, the expected share, the " +
            "connections the server saw and the deviation. The lab is removed afterwards, also on failure or Ctrl-C.")
        {
            uplinks, connections, clients, prefix, keep, noApply, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var options = new LabOptions { Prefix = parse.GetValue(prefix)!, Uplinks = parse.GetValue(uplinks), Clients = parse.GetValue(clients) };
            var total = parse.GetValue(connections);
            var problems = options.Problems().ToList();
            if (total is < 1 or > ConnectOptions.MaxCount) problems.Add($"connections {total}: use 1 to {ConnectOptions.MaxCount}");
            if (LabCommand.Report(problems)) return ExitCodes.Usage;
            if (LabCommand.NeedsRoot()) return ExitCodes.Failed;

            var apply = !parse.GetValue(noApply);
            if (LabNetwork.Exists(options.Prefix))
            {
                Console.Error.WriteLine($"error: a lab '{options.Prefix}' is already up and the demo builds its own; remove it with " +
                    $"'junction lab down{(options.Prefix == LabOptions.DefaultPrefix ? "" : " --prefix " + options.Prefix)}' or pick another --prefix");
                return ExitCodes.Failed;
            }

            var demo = new Demo(options, total, apply, parse.GetValue(json), parse.GetValue(keep));
            return await demo.Run(cancel);
        });
        return command;
    }

    /// <summary>One run of the demo; owns the lab and removes it at the end unless asked to keep it.</summary>
    private sealed class Demo(LabOptions options, int total, bool apply, bool json, bool keep)
    {
        // With --json, stdout carries only the JSON; the story goes to stderr.
        private readonly TextWriter _say = json ? Console.Error : Console.Out;
        private LabNetwork? _lab;

        public async Task<int> Run(CancellationToken cancel)
        {
            var weights = DemoConfig.Weights(options.Uplinks);
            var topology = new LabTopology(options);
            _say.WriteLine(apply
                ? $"Junction lab demo: {total} connections from {options.Clients} client{(options.Clients == 1 ? "" : "s")}, balanced by Junction over {options.Uplinks} uplinks with weights {string.Join(':', weights)}."
                : $"Lab demo without Junction (--no-apply): {total} connections from {options.Clients} client{(options.Clients == 1 ? "" : "s")}; plain routing should send every one by ISP 1.");
            _say.WriteLine();
            try
            {
                return await Steps(topology, weights, cancel);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                Console.Error.WriteLine("interrupted");
                return 130;
            }
            catch (Exception e)
            {
                return LabCommand.Fail("the demo failed", e);
            }
            finally
            {
                Finish();
            }
        }

        private async Task<int> Steps(LabTopology topology, IReadOnlyList<int> weights, CancellationToken cancel)
        {
            var steps = apply ? 3 : 2;
            var step = 0;
            var clock = Stopwatch.StartNew();
            _say.Write($"  [{++step}/{steps}] building the lab: {string.Join(", ", topology.Namespaces)} ... ");
            _lab = LabNetwork.Up(options);
            _say.WriteLine($"done ({clock.Elapsed.TotalSeconds:0.0} s)");
            cancel.ThrowIfCancellationRequested();

            string? configPath = null;
            await using var server = LabServer.Start(topology);
            if (apply)
            {
                Directory.CreateDirectory(_lab.StateDirectory);
                configPath = Path.Combine(_lab.StateDirectory, "junction.yaml");
                var yaml = DemoConfig.Yaml(topology, weights);
                await File.WriteAllTextAsync(configPath, yaml, cancel);
                ConfigLoader.Load(configPath); // a bad demo config is this command's bug: say so before the router does

                var program = JunctionProgram.Path();
                _say.WriteLine($"  [{++step}/{steps}] running Junction on the router: ip netns exec {topology.RouterNamespace} junction apply -c {configPath}");
                foreach (var line in yaml.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
                    _say.WriteLine($"          {line}");
                clock.Restart();
                var result = await Task.Run(() => _lab.Router.Run(program, ["apply", "-c", configPath], timeout: ApplyTimeout), cancel);
                cancel.ThrowIfCancellationRequested();
                if (!result.Ok)
                {
                    var said = (result.Stderr.Length > 0 ? result.Stderr : result.Stdout).Trim();
                    Console.Error.WriteLine($"error: 'junction apply' inside {topology.RouterNamespace} exited {result.ExitCode}: {said}");
                    return ExitCodes.Failed;
                }
                _say.WriteLine($"          applied ({clock.Elapsed.TotalSeconds:0.0} s)");
            }

            var clients = Enumerable.Range(1, topology.Clients).ToList();
            _say.Write($"  [{++step}/{steps}] opening {total} TCP connections to {topology.Service} from {string.Join(", ", clients.Select(topology.ClientNamespace))} ... ");
            clock.Restart();
            var batches = await Task.WhenAll(clients.Select(k => ConnectionDriver.RunAsync(new ConnectOptions
            {
                Namespace = topology.ClientNamespace(k),
                Server = topology.Service,
                Count = total / clients.Count + (k <= total % clients.Count ? 1 : 0),
            }, cancel)));
            var outcomes = batches.SelectMany(b => b).ToList();
            _say.WriteLine($"done ({clock.Elapsed.TotalSeconds:0.0} s)");
            _say.WriteLine();

            var table = ShareTable.Count(topology, outcomes, apply ? weights : null);
            if (json)
            {
                var result = table.Json();
                result["prefix"] = topology.Prefix;
                result["applied"] = apply;
                result["config"] = configPath;
                result["connections"] = total;
                Console.WriteLine(LabDescription.Indented(result));
            }
            else
            {
                _say.Write(table.Text());
                _say.WriteLine();
                _say.WriteLine(topology.Options.IspMasquerade
                    ? "The server tells the uplinks apart by the source it sees: ISP I masquerades as 10.200.I.1."
                    : "The server tells the uplinks apart by the source it sees: the router's address on wanI, 10.100.I.x.");
            }
            return table.Failed.Count == 0 && table.Unattributed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        }

        private void Finish()
        {
            if (_lab is null) return;
            if (keep)
            {
                try
                {
                    var pid = ServerProcess.Start(_lab);
                    _say.WriteLine($"The lab stays up (--keep), its service now runs as pid {pid}. Look around with 'ip netns exec {_lab.Topology.RouterNamespace} nft list ruleset' " +
                        $"or 'junction lab connect{PrefixOption()}'; remove it with 'junction lab down{PrefixOption()}'.");
                    return;
                }
                catch (Exception e)
                {
                    Console.Error.WriteLine($"error: could not restart the lab's service, so the lab is removed after all: {e.Message}");
                }
            }
            _say.Write($"Removing the lab ... ");
            LabNetwork.Down(options.Prefix);
            var left = LabNetwork.NamespacesOf(options.Prefix);
            _say.WriteLine(left.Count == 0
                ? $"done; no {options.Prefix}-* namespace is left."
                : $"failed: {string.Join(", ", left)} remain; try 'junction lab down{PrefixOption()}'.");
        }

        private string PrefixOption() => options.Prefix == LabOptions.DefaultPrefix ? "" : $" --prefix {options.Prefix}";
    }
}
