using System.Net;
using Junction.Health;
using Junction.Model;

namespace Junction.Cli.Daemon.Tests;

/// <summary>Probe rounds as the probe engine reports them to the daemon's loop (epoch 1, one target).</summary>
internal static class Reports
{
    public static readonly ProbeTarget Target = new(IPAddress.Parse("192.0.2.1"), null);

    public static ProbeReported Good(string uplink, double ms = 2) =>
        new(uplink, 1, new ProbeRound([ProbeResult.Ok(Target, TimeSpan.FromMilliseconds(ms))], 1));

    public static ProbeReported Bad(string uplink) => new(uplink, 1, new ProbeRound([ProbeResult.Failed(Target, "timed out")], 1));
}
