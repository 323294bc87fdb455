using System.Net;
using System.Threading.Channels;
using Junction.Linux.Namespaces;
using Junction.Linux.Probes;
using Junction.Model;

namespace Junction.Health.Kernel.Tests;

/// <summary>Scheduler, prober and monitor together, against a link blackholed in its peer.</summary>
public sealed class HealthLoopKernelTests
{
    [Fact]
    public async Task A_silently_dead_link_is_taken_down_by_its_probes()
    {
        using var net = HealthNetns.Create();
        var probe = ProbeModel.None with
        {
            Targets = [new ProbeTarget(IPAddress.Parse(HealthNetns.PeerIp), null)],
            Interval = TimeSpan.FromMilliseconds(50),
            Timeout = TimeSpan.FromMilliseconds(100),
        };
        var uplink = new UplinkModel("isp1", HealthNetns.RouterIf, IPAddress.Parse(HealthNetns.PeerIp), null,
            Families.IPv4, 1, 1, SnatModel.Masquerade, probe);
        var monitor = new HealthMonitor([uplink], TimeProvider.System);
        var prober = UplinkProber.For(probe, new ProbeBinding(uplink.Interface, 0x00010000), TimeProvider.System);
        var transitions = Channel.CreateUnbounded<HealthTransition>();

        using var stop = new CancellationTokenSource();
        var loop = new ProbeScheduler(TimeProvider.System, new Random(1)).RunAsync(probe,
            // Each round's sockets are made inside the router namespace.
            cancel => NamespaceThread.Run(net.Router.Name, () => prober.RunRoundAsync(cancel)),
            round =>
            {
                lock (monitor)
                    foreach (var t in monitor.Report("isp1", round).Transitions) transitions.Writer.TryWrite(t);
            },
            stop.Token);

        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var up = await transitions.Reader.ReadAsync(guard.Token);
        Assert.Equal(HealthState.Up, up.To);

        net.BlackholePeer();
        var down = await transitions.Reader.ReadAsync(guard.Token);
        Assert.Equal(HealthState.Down, down.To);
        Assert.Contains("3 failed rounds in a row", down.Reason);
        lock (monitor) Assert.Equal(["isp1"], monitor.Unhealthy);

        await stop.CancelAsync();
        await loop;
    }
}
