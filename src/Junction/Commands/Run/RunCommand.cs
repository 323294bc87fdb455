using System.CommandLine;
using System.Runtime.InteropServices;
using Junction.Cli.Daemon;
using Junction.Configuration;
using Junction.Linux.Probes;
using Junction.Linux.Processes;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Commands.Run;

/// <summary><c>junction run</c>: the daemon, in the foreground, until SIGTERM or Ctrl-C.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var flushOnExit = new Option<bool>("--flush-on-exit")
        {
            Description = "On SIGTERM/Ctrl-C remove Junction's table, rules and routes. By default they stay, so " +
                "connections keep flowing while the daemon restarts.",
        };
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "Least severe messages logged: Trace (every probe round), Debug, Information (state " +
                "changes and applies, the default), Warning, Error.",
            DefaultValueFactory = _ => LogLevel.Information,
            HelpName = "LEVEL",
        };
        var command = new Command("run",
            "Run the daemon: apply the configuration, probe every uplink through itself, watch link events, and " +
            "re-apply when an uplink fails or recovers (new connections move; a dead uplink's established ones are " +
            "deleted from conntrack by mark when 'flush: dead'). SIGHUP reloads the file (an invalid one is reported " +
            "and the running one kept); SIGTERM/Ctrl-C stops. Logs one line per event.")
        {
            config, flushOnExit, logLevel,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var path = parse.GetValue(config)!;
            if (ConfigReport.Load(path, Console.Error) is not { } model) return ExitCodes.Failed;
            using var logging = LoggerFactory.Create(b => b
                .SetMinimumLevel(parse.GetValue(logLevel))
                .AddConsole(o => o.FormatterName = LineFormatter.Name)
                .AddConsoleFormatter<LineFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>());
            var daemon = new JunctionDaemon(new DaemonSetup(path, model, () => ConfigLoader.Load(path),
                new LinuxKernel(CommandRunner.Current), TimeProvider.System, logging.CreateLogger("junction"))
            {
                FlushOnExit = parse.GetValue(flushOnExit),
                Prober = (m, uplink) => UplinkProber.For(uplink.Probe, ProbeBinding.For(m, uplink), TimeProvider.System).RunRoundAsync,
            });
            using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                daemon.RequestReload();
            });
            await daemon.RunAsync(cancel);
            return ExitCodes.Ok;
        });
        return command;
    }
}
