using System.CommandLine;
using Junction.Cli.Commands;

namespace Junction.Lab.Commands;

/// <summary><c>junction lab up</c>: build the lab and leave it running for experiments.</summary>
internal static class LabUpCommand
{
    public static Command Create()
    {
        var uplinks = LabCommand.Uplinks(2);
        var clients = LabCommand.Clients(1);
        var prefix = LabCommand.Prefix();
        var clientAddresses = new Option<int>("--client-addresses")
        {
            Description = $"Extra source addresses per client (client K gets 10.9.K.1..N), so one client can stand for many. Default: 0, at most {LabOptions.MaxExtraClientAddresses}",
            HelpName = "N",
        };
        var ha = new Option<bool>("--ha")
        {
            Description = "Two routers instead of one (PREFIX-router, PREFIX-router2), bridged to the LAN and every ISP, with a sync " +
                "link, each running conntrackd, keepalived (from 'junction ha render') and 'junction run'; router 1 is master. " +
                "Needs keepalived and conntrackd (./setup.sh installs them). See docs/high-availability.md.",
        };
        var json = CommonOptions.Json();
        var command = new Command("up",
            "Build the lab: PREFIX-router (LAN bridge 'lan' 10.9.0.1/24, uplinks wan1..wanN 10.100.I.2/24), " +
            "PREFIX-isp1..N, PREFIX-server (198.51.100.10, TCP 7000, through every ISP) and PREFIX-c1..K. " +
            "Replaces a lab with the same prefix. Remove it with 'junction lab down'.")
        {
            uplinks, clients, clientAddresses, prefix, ha, json,
        };
        command.SetAction(parse =>
        {
            var options = new LabOptions
            {
                Prefix = parse.GetValue(prefix)!,
                Uplinks = parse.GetValue(uplinks),
                Clients = parse.GetValue(clients),
                ExtraClientAddresses = parse.GetValue(clientAddresses),
            };
            if (parse.GetValue(ha)) options = HaLabBuilder.Options(options) with { ExtraClientAddresses = parse.GetValue(clientAddresses) };
            if (LabCommand.Report(options.Problems())) return ExitCodes.Usage;
            if (LabCommand.NeedsRoot()) return ExitCodes.Failed;

            var replaced = LabNetwork.Exists(options.Prefix);
            LabNetwork lab;
            int pid;
            try
            {
                lab = LabNetwork.Up(options);
            }
            catch (Exception e)
            {
                return LabCommand.Fail($"could not build lab '{options.Prefix}' (nothing is left of it)", e);
            }
            try
            {
                pid = ServerProcess.Start(lab);
            }
            catch (Exception e)
            {
                lab.Dispose();
                return LabCommand.Fail($"could not start the lab's service (the lab was removed)", e);
            }
            HaPair? pair = null;
            if (options.Ha)
            {
                try
                {
                    pair = HaLabSoftware.Start(lab);
                }
                catch (Exception e)
                {
                    lab.Dispose();
                    return LabCommand.Fail("could not start the routers' keepalived, conntrackd or junction (the lab was removed)", e);
                }
            }

            var t = lab.Topology;
            if (parse.GetValue(json))
            {
                Console.WriteLine(LabDescription.Indented(LabDescription.Json(t, pid)));
                return ExitCodes.Ok;
            }
            Console.WriteLine($"Lab '{t.Prefix}' is up{(replaced ? " (it replaced the previous one)" : "")}: {t.Uplinks} uplinks, {t.Clients} client{(t.Clients == 1 ? "" : "s")}. Nothing outside its namespaces was changed.");
            Console.WriteLine();
            Console.Write(LabDescription.Text(t, pid));
            Console.WriteLine();
            if (pair is not null)
            {
                HaLabSoftware.Describe(pair);
                Console.WriteLine();
            }
            var self = "junction";
            var p = t.Prefix == LabOptions.DefaultPrefix ? "" : $" --prefix {t.Prefix}";
            Console.WriteLine("Try:");
            (string Command, string Why)[] hints = pair is not null ?
            [
                ($"{self} lab connect{p} --count 10", $"10 connections from {t.ClientNamespace(1)}: which uplink each used (the server sees 10.100.I.10)"),
                ($"ip netns exec {t.RouterNamespace} {self} status --socket {pair.SocketPath(1)}", "router 1's uplinks and VRRP role"),
                ($"ip -n {t.IspNamespace(1)} link set {LabTopology.SwitchPort(1)} down", "router 1's wan1 loses carrier: router 2 takes over"),
                ($"{self} lab down{p}", "remove everything (both routers' daemons end with their namespaces)"),
            ] :
            [
                ($"{self} lab connect{p} --count 10", $"10 connections from {t.ClientNamespace(1)}: which uplink each used"),
                ($"ip netns exec {t.RouterNamespace} ip route", "run any command inside a namespace"),
                ($"ip netns exec {t.RouterNamespace} {self} apply -c FILE", $"run Junction on the router (lan: [lan], uplinks wan1..wan{t.Uplinks})"),
                ($"ip netns exec {t.RouterNamespace} nft list ruleset", "what Junction programmed"),
                ($"{self} lab down{p}", "remove everything"),
            ];
            var width = hints.Max(h => h.Command.Length);
            foreach (var (hint, why) in hints)
                Console.WriteLine($"  {hint.PadRight(width)}  # {why}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
