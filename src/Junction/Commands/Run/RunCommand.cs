using System.CommandLine;
using System.Runtime.InteropServices;
using Junction.Cli.Commands.Confirm;
using Junction.Cli.Control;
using Junction.Cli.Daemon;
using Junction.Configuration;
using Junction.Linux.Probes;
using Junction.Linux.Processes;
using Junction.Linux.Systemd;
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
        var socket = ControlOptionsCli.Socket();
        socket.Description = "Where to serve status, explain and metrics (a Unix socket, mode 0600; its directory is made 0700). " +
            $"Default: {ControlOptions.DefaultSocketPath}";
        var command = new Command("run",
            "Run the daemon: apply the configuration, probe every uplink through itself, watch link events, and " +
            "re-apply when an uplink fails or recovers (new connections move; a dead uplink's established ones are " +
            "deleted from conntrack by mark when 'flush: dead'). SIGHUP reloads the file (an invalid one is reported " +
            "and the running one kept); SIGTERM/Ctrl-C stops. Puts its nftables table, ip rules and routes back at once when something else " +
            "(e.g. 'nft flush ruleset', 'ip rule del') removed or changed them (kernel notifications; a check every 5 s as a safety net). Serves 'junction status' and 'explain' on --socket, and " +
            "Prometheus metrics on 'metrics.listen' if configured, both bound before the first apply; speaks sd_notify under " +
            "systemd (Type=notify, WatchdogSec). One daemon per network namespace. Logs one line per event.")
        {
            config, flushOnExit, logLevel, socket,
        };
        command.SetAction(async (parse, cancel) =>
        {
            // Before the daemon's threads start allocating: see Malloc.OneArena.
            Junction.Linux.Interop.Malloc.OneArena();
            var path = parse.GetValue(config)!;
            if (ConfigReport.Load(path, Console.Error) is not { } model) return ExitCodes.Failed;
            var socketPath = parse.GetValue(socket)!;
            NamespaceLock held;
            try
            {
                // Before anything else: a second daemon in this namespace, whatever its
                // --socket, would replace the running one's table with its start-up plan.
                // An apply or flush that holds it is waited for, briefly: a restart may meet one.
                held = NamespaceLock.Take(LockRole.Daemon, KernelLock.DefaultWait);
            }
            catch (LockBusyException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Busy;
            }
            using var nsLock = held;
            // An 'apply --confirm' on probation is the user's to decide, not the daemon's to overwrite.
            if (PendingGate.Check("run", new Junction.Linux.Apply.KernelApplier(CommandRunner.Current), json: false) is { } refused) return refused;
            using var logging = LoggerFactory.Create(b => b
                .SetMinimumLevel(parse.GetValue(logLevel))
                .AddProvider(new LineLoggerProvider(Console.Out)));
            var log = logging.CreateLogger("junction");
            // Live connections per uplink kept from conntrack events: status never dumps the table.
            using var counts = Junction.Linux.Conntrack.ConntrackCountKeeper.TryStart(model.Marks.Mask);
            var daemon = new JunctionDaemon(new DaemonSetup(path, model, () => ConfigLoader.Load(path),
                new LinuxKernel(CommandRunner.Current), TimeProvider.System, log)
            {
                FlushOnExit = parse.GetValue(flushOnExit),
                OperatorStatePath = OperatorState.PathFor(path),
                ConnectionEvents = (mask, onEvent, lost, idle) => Junction.Linux.Conntrack.ConntrackEventListener.Open(mask, onEvent, lost, idle),
                Hooks = new DaemonServices(new ControlOptions { SocketPath = socketPath }, CommandRunner.Current,
                    SdNotify.FromEnvironment(), log),
                ProbeEngine = true,
                Prober = (m, uplink) => UplinkProber.For(uplink.Probe, ProbeBinding.For(m, uplink), TimeProvider.System).RunRoundAsync,
            });
            using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                daemon.RequestReload();
            });
            // The daemon takes SIGTERM and SIGINT itself: under load, a SIGTERM now and then
            // never reached the action's token through System.CommandLine's handler, and the
            // daemon went on running. Cancelling off the signal thread keeps the shutdown
            // (which awaits) from running inside the handler.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                _ = Task.Run(stopping.Cancel);
            }
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            try
            {
                await daemon.RunAsync(stopping.Token);
            }
            catch (ListenFailedException e)
            {
                // Listeners are bound before the first apply: the kernel was not touched.
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Failed;
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
