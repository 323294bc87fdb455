using Junction.Cli.Control;
using Junction.Health;

namespace Junction.Cli.Daemon;

/// <summary>The control socket's operator requests, carried out by the daemon.</summary>
internal sealed class DaemonOperatorControl(JunctionDaemon daemon) : IOperatorControl
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public Task<OperatorMode> SetAsync(string uplink, OperatorMode mode) => daemon.SetOperatorAsync(uplink, mode, Wait);

    public OperatorMode Of(string uplink) => daemon.Operator.Current.Of(uplink);
}
