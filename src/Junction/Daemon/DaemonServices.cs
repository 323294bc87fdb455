using System.Net;
using Junction.Cli.Control;
using Junction.Linux.Processes;
using Junction.Linux.Systemd;
using Junction.Model;
using Junction.Status;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>
/// What <c>junction run</c> serves around its loop: the control socket (status, explain,
/// metrics) and the metrics listener, both bound before the first apply (a bind that fails
/// stops the daemon before it touches the kernel), the metrics listener moved when a reload changes
/// <c>metrics.listen</c>, and sd_notify (<see cref="DaemonNotifier"/>).
/// </summary>
internal sealed class DaemonServices(ControlOptions options, CommandRunner runner, SdNotify notify, ILogger log) : IDaemonHooks
{
    private readonly DaemonNotifier _notifier = new(notify, options.Time);
    private ControlServer? _server;
    private IPEndPoint? _metricsWanted;

    // Moves of the metrics listener run one after another, off the loop.
    private Task _moves = Task.CompletedTask;

    public async Task ListenAsync(JunctionDaemon daemon, CancellationToken ct)
    {
        ReserveDescriptors();
        _metricsWanted = daemon.Model.MetricsListen;
        _server = await ControlServer.StartAsync(daemon, () => daemon.Model, runner,
            options with { MetricsListen = _metricsWanted, Operator = new DaemonOperatorControl(daemon) }, ct);
        DaemonLog.Serving(log, _server.SocketPath, _server.MetricsEndpoint?.ToString() ?? "off");
        _notifier.Serving();
    }

    /// <summary>
    /// The soft open-file limit raised to the hard one, far above what the listeners may hold
    /// (<see cref="ListenerLimits"/>): the rest is the probes' and the applier's. The
    /// libnftables context is opened first, so its socket has a number select(2) can take.
    /// </summary>
    private void ReserveDescriptors()
    {
        Junction.Linux.Nftables.LibNftables.Open();
        try
        {
            var limit = Junction.Linux.Interop.FileLimit.RaiseSoftToHard();
            DaemonLog.FileLimit(log, limit, ListenerLimits.ControlConnections, ListenerLimits.MetricsConnections);
            if (limit < 4 * (ulong)ListenerLimits.Total) DaemonLog.FileLimitLow(log, limit, ListenerLimits.Total);
        }
        catch (Junction.Linux.Interop.SyscallException e)
        {
            DaemonLog.FileLimitFailed(log, e.Message);
        }
    }

    public void Turned(DaemonSnapshot snapshot) => _notifier.Turned(snapshot);

    public DateTimeOffset? NextDue => _notifier.NextPing;

    public void Reloading() => _notifier.Reloading();

    public void Reloaded(JunctionModel model)
    {
        if (_server is not { } server || Equals(model.MetricsListen, _metricsWanted)) return;
        var from = _metricsWanted;
        var to = model.MetricsListen;
        _metricsWanted = to;
        var previous = _moves;
        _moves = Task.Run(async () =>
        {
            await previous;
            await MoveMetrics(server, from, to);
        });
    }

    /// <summary>Moves the listener; when the new address cannot be bound, goes back to the old one.</summary>
    private async Task MoveMetrics(ControlServer server, IPEndPoint? from, IPEndPoint? to)
    {
        try
        {
            await server.MoveMetricsAsync(to, CancellationToken.None);
            DaemonLog.MetricsMoved(log, Describe(from), Describe(server.MetricsEndpoint));
            return;
        }
        catch (ListenFailedException e)
        {
            DaemonLog.MetricsMoveFailed(log, e.Message, from is null ? "off" : $"back to {from}");
        }
        try
        {
            await server.MoveMetricsAsync(from, CancellationToken.None);
        }
        catch (ListenFailedException e)
        {
            DaemonLog.MetricsMoveFailed(log, e.Message, "off");
        }
    }

    private static string Describe(IPEndPoint? endpoint) => endpoint?.ToString() ?? "off";

    public async Task StoppingAsync()
    {
        _notifier.Stopping();
        if (_server is not { } server) return;
        _server = null;
        await _moves;
        await server.DisposeAsync();
    }
}
