using System.CommandLine;
using System.Text;
using Junction.Cli.Control;
using Junction.Explain;
using Junction.Linux.Observe;
using Junction.Linux.Processes;
using Junction.Status;

namespace Junction.Cli.Commands.Explain;

/// <summary><c>junction explain</c>: which uplink a connection uses, or would use, and why.</summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var connection = new Argument<string[]>("connection")
        {
            Description = $"The connection: {ConnectionQuery.Syntax}.",
            Arity = ArgumentArity.OneOrMore,
        };
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var socket = ControlOptionsCli.Socket();
        var command = new Command("explain",
            "Say which uplink and source address a connection uses and why. A whole connection (protocol, both addresses and " +
            "ports) that conntrack holds is explained from its mark and reply tuple; anything else as a would-be new " +
            "connection: which rule (never balanced, bypass, pin, balance) decides and, for hash modes, which uplink it " +
            "picks. Asks the running daemon (its health counts); without one, or with -c, works from the configuration " +
            "alone, assuming every uplink is up, and reads conntrack here.")
        {
            connection, config, json, socket,
        };
        command.SetAction(async (parse, ct) =>
        {
            var text = string.Join(' ', parse.GetValue(connection) ?? []);
            var asJson = parse.GetValue(json);
            if (!ConnectionQuery.TryParse(text, out var query, out var error))
                return CliJson.Fail("explain", asJson, error, ExitCodes.Usage);

            Explanation? answer = null;
            string? note = null;
            var configGiven = parse.GetResult(config) is { Implicit: false };
            if (!configGiven)
            {
                using var client = new ControlClient(parse.GetValue(socket)!);
                try
                {
                    answer = await client.ExplainAsync(query!, ct);
                }
                catch (DaemonUnavailableException)
                {
                    note = $"no daemon answers on {client.SocketPath}: explained from {parse.GetValue(config)}, assuming every uplink is up";
                }
                catch (InvalidOperationException e)
                {
                    // The daemon answered, and refused: its words, not a stack trace.
                    return CliJson.Fail("explain", asJson, e.Message, ExitCodes.Failed);
                }
            }
            if (answer is null)
            {
                // Say first why the file is read: its errors would otherwise look unrelated to the question.
                if (note is not null && !parse.GetValue(json)) Console.Error.WriteLine($"note: {note}");
                if (ConfigReport.Load(parse.GetValue(config)!, Console.Error, jsonVerb: asJson ? "explain" : null) is not { } model) return ExitCodes.Failed;
                answer = StatusService.Explain(model, new HashSet<string>(), query!, new KernelObserver(CommandRunner.Current));
                note ??= $"explained from {parse.GetValue(config)}, assuming every uplink is up";
            }

            if (parse.GetValue(json))
                Console.WriteLine(StatusJson.Serialize(answer));
            else
            {
                if (note is not null && configGiven) Console.Error.WriteLine($"note: {note}");
                Console.Write(Format(answer));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string Format(Explanation e)
    {
        var sb = new StringBuilder();
        sb.Append(e.Connection).Append(e.Live is null ? " (a new connection)\n" : " (live)\n");
        var uplink = e.Uplink is { } u ? $"uplink '{u}'"
            : e.Decision == Decision.Balanced ? $"one of {string.Join(", ", e.Candidates.Select(c => $"{c.Uplink} ({StatusFormatter.Pct(c.Share)})"))}"
            : "no uplink: the main routing table decides";
        sb.Append($"  uses:   {uplink}\n");
        sb.Append($"  rule:   {e.Rule}\n");
        if (e.Live is { } live)
            sb.Append($"  source: leaves as {live.SeenSource}{(live.SeenSourcePort is { } p ? $":{p}" : "")}{(live.SourceNatted ? " (source NAT here)" : " (not rewritten here)")}\n");
        else if (e.Source is { } source)
            sb.Append($"  source: {source}\n");
        sb.Append("  why:\n");
        foreach (var step in e.Steps) sb.Append("    - ").Append(step).Append('\n');
        return sb.ToString();
    }
}
