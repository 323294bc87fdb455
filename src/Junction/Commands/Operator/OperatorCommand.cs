using System.CommandLine;
using Junction.Cli.Control;
using Junction.Status;

namespace Junction.Cli.Commands.Operator;

/// <summary>
/// <c>junction drain|undrain|down|up|auto NAME</c>: the operator's overrides of an uplink's
/// health, sent to the running daemon, which keeps them across restarts until undone.
/// </summary>
internal static class OperatorCommand
{
    public static IEnumerable<Command> All() =>
    [
        Create("drain", "Drain an uplink: it gets no new connections, and the ones it carries stay (nothing is flushed; its routes " +
            "and SNAT remain) until they end. Kept across daemon restarts until 'junction undrain NAME' (or 'auto')."),
        Create("undrain", "Undo 'junction drain NAME': health decides again. Refused for a forced state ('junction auto NAME' releases that)."),
        Create("down", "Force an uplink down for maintenance, whatever its health says: no new connections, and with 'flush: dead' " +
            "its connections are flushed like a failed uplink's. Kept across daemon restarts until 'junction auto NAME'."),
        Create("up", "Force an uplink up, whatever its probes and passive health say (a link without carrier or address still " +
            "cannot take routes). Kept across daemon restarts until 'junction auto NAME'."),
        Create("auto", "Release any override of an uplink (drain, down, up): its health decides again."),
    ];

    private static Command Create(string mode, string description)
    {
        var name = new Argument<string>("NAME") { Description = "The uplink, as the configuration names it." };
        var json = CommonOptions.Json();
        var socket = ControlOptionsCli.Socket();
        var command = new Command(mode, description + " Asks the daemon over its control socket (root only); logged by the daemon.")
        {
            name, json, socket,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var client = new ControlClient(parse.GetValue(socket)!);
            try
            {
                var reply = await client.SetOperatorAsync(parse.GetValue(name)!, mode, ct);
                Console.WriteLine(parse.GetValue(json) ? StatusJson.Serialize(reply) : reply.Message);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is DaemonUnavailableException or InvalidOperationException)
            {
                return CliJson.Fail(mode, parse.GetValue(json), e.Message, ExitCodes.Failed);
            }
        });
        return command;
    }
}
