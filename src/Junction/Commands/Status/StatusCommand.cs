using System.CommandLine;
using Junction.Cli.Control;
using Junction.Status;

namespace Junction.Cli.Commands.Status;

/// <summary><c>junction status</c>: what the running daemon sees, from its control socket.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var socket = ControlOptionsCli.Socket();
        var watch = new Option<bool>("--watch", "-w") { Description = "Refresh every --interval until Ctrl-C (in place on a terminal)." };
        var interval = new Option<double>("--interval")
        {
            Description = "Seconds between refreshes with --watch.",
            DefaultValueFactory = _ => 2,
            HelpName = "SECONDS",
        };
        // 'abc' and 'NaN' once ended in unhandled exceptions (the validator's read, TimeSpan.FromSeconds).
        interval.Seconds(0.2, 3600);
        var command = new Command("status",
            "Show what the running daemon sees: per uplink its health state and since when, the reason of the last change, " +
            "probe RTT and loss, the weight and planned share against the actual share of new connections over the last minute " +
            "and of live connections now (conntrack, by mark), bytes in and out; the SNAT pools' use per address; when the " +
            "configuration was applied. Fits the terminal's width (120 columns when piped, or $COLUMNS); --json has every " +
            "figure. Asks the daemon over its control socket (root only).")
        {
            json, watch, interval, socket,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var client = new ControlClient(parse.GetValue(socket)!);
            var asJson = parse.GetValue(json);
            var every = TimeSpan.FromSeconds(parse.GetValue(interval));
            var colour = !asJson && ControlOptionsCli.Colour;
            try
            {
                do
                {
                    var report = await client.StatusAsync(ct);
                    var text = asJson
                        ? StatusJson.Serialize(report, indented: !parse.GetValue(watch))
                        : StatusFormatter.Format(report, colour, Width());
                    if (parse.GetValue(watch) && colour)
                        Console.Write("\u001b[H\u001b[2J" + text);   // home and clear: refresh in place
                    else
                        Console.WriteLine(parse.GetValue(watch) && !asJson ? text + "\n" : text.TrimEnd('\n'));
                    if (!parse.GetValue(watch)) break;
                    await Task.Delay(every, ct);
                } while (!ct.IsCancellationRequested);
                return ExitCodes.Ok;
            }
            catch (DaemonUnavailableException e)
            {
                return CliJson.Fail("status", asJson, e.Message, ExitCodes.Failed);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }
        });
        return command;
    }

    /// <summary>
    /// The terminal's width when stdout is one; otherwise $COLUMNS if set, else 120 (a
    /// pipe or a file has no width, and 120 reads well in both).
    /// </summary>
    internal static int Width()
    {
        if (!Console.IsOutputRedirected)
        {
            try
            {
                if (Console.WindowWidth > 0) return Console.WindowWidth;
            }
            catch (IOException)
            {
                // No terminal to ask after all: fall through.
            }
        }
        return int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0
            ? columns : StatusFormatter.DefaultWidth;
    }

}
