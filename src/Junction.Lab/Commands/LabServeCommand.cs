using System.CommandLine;
using System.Net;
using Junction.Cli.Commands;

namespace Junction.Lab.Commands;

/// <summary>
/// <c>junction lab serve</c> (hidden): the lab's TCP service as a process of its own, which
/// 'lab up' starts inside the server namespace so it outlives the command that built the lab.
/// </summary>
internal static class LabServeCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen")
        {
            Description = "Address:port to listen on.",
            DefaultValueFactory = _ => $"{LabTopology.ServiceAddress}:{LabTopology.ServicePort}",
            HelpName = "ADDRESS:PORT",
        };
        var pidFile = new Option<string?>("--pid-file")
        {
            Description = "Write this process's id here once listening (how 'lab up' knows it is ready).",
            HelpName = "FILE",
        };
        var command = new Command("serve",
            "Run the lab's TCP service in the current namespace: each connection gets one line, the source address:port " +
            "the server sees, then an echo of what it sends, until it closes. 'lab up' starts it in PREFIX-server.")
        {
            listen, pidFile,
        };
        command.Hidden = true;
        command.SetAction(async (parse, cancel) =>
        {
            if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out var endpoint) || endpoint.Port == 0)
            {
                Console.Error.WriteLine($"error: --listen {parse.GetValue(listen)}: expected ADDRESS:PORT, e.g. {LabTopology.ServiceAddress}:{LabTopology.ServicePort}");
                return ExitCodes.Usage;
            }
            LabServer server;
            try
            {
                server = LabServer.Start(endpoint);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
            {
                return LabCommand.Fail($"cannot listen on {endpoint}", e);
            }
            await using (server)
            {
                if (parse.GetValue(pidFile) is { } file)
                    await File.WriteAllTextAsync(file, $"{Environment.ProcessId}\n", CancellationToken.None);
                Console.WriteLine($"lab service listening on {server.Endpoint} (pid {Environment.ProcessId})");
                try
                {
                    await server.Completion.WaitAsync(cancel);
                }
                catch (OperationCanceledException)
                {
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
