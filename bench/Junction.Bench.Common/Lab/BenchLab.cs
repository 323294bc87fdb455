using System.Net;
using System.Runtime.InteropServices;
using Junction.Lab;
using Junction.Linux.Processes;

namespace Junction.Bench.Lab;

/// <summary>
/// A namespace lab for one benchmark program, with its services running in this process.
/// The lab is removed on dispose, on Ctrl-C, on SIGTERM and on a crash, so a benchmark
/// never leaves namespaces behind; nothing outside the lab's namespaces is ever changed.
/// </summary>
public sealed class BenchLab : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _services = [];
    private readonly List<PosixSignalRegistration> _signals = [];
    private int _down;

    private BenchLab(LabNetwork network)
    {
        Network = network;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            _signals.Add(PosixSignalRegistration.Create(signal, _ => Down()));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Down();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => Down();
    }

    public LabNetwork Network { get; }
    public LabTopology Topology => Network.Topology;
    public CommandRunner Router => Network.Router;

    public static BenchLab Up(LabOptions options)
    {
        var started = DateTime.UtcNow;
        var lab = new BenchLab(LabNetwork.Up(options));
        // Thousands of short connections a minute from one client would otherwise run out
        // of ports held in TIME_WAIT (28k ports, 60 s each); these settings are per namespace.
        for (var k = 1; k <= options.Clients; k++)
            Check(lab.Network.Client(k), "sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=1024 65000", "net.ipv4.tcp_tw_reuse=1");
        Console.Error.WriteLine($"lab {options.Prefix}: {options.Uplinks} uplinks, {options.Clients} clients, up in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        return lab;
    }

    /// <summary>The lab's source-echo service on another address of the server (added to its loopback when new).</summary>
    public LabServer StartService(IPAddress address, int port = LabTopology.ServicePort)
    {
        if (!address.Equals(LabTopology.ServiceAddress))
            Network.Server.Run("ip", "addr", "add", $"{address}/32", "dev", LabTopology.ServiceInterface);
        var server = LabServer.Start(new IPEndPoint(address, port), Topology.ServerNamespace);
        _services.Add(server);
        return server;
    }

    /// <summary>Keeps a service (or anything else) alive until the lab goes down.</summary>
    public T Own<T>(T service) where T : IAsyncDisposable
    {
        _services.Add(service);
        return service;
    }

    /// <summary>Runs a command in a namespace of the lab and throws when it fails.</summary>
    public static string Check(CommandRunner runner, string program, params string[] args) => runner.Run(program, args).Check().Stdout;

    /// <summary>One <c>ip -batch</c> in a namespace.</summary>
    public static void IpBatch(CommandRunner runner, IEnumerable<string> lines) =>
        runner.Run("ip", ["-batch", "-"], stdin: string.Join('\n', lines) + "\n").Check();

    /// <summary>Forgets every connection the router and the ISPs track (between measurements, so tables never fill).</summary>
    public void ForgetConnections(int uplinks)
    {
        Router.Run("conntrack", "-F");
        for (var i = 1; i <= Math.Min(uplinks, Topology.Uplinks); i++)
            Network.Isp(i).Run("conntrack", "-F");
    }

    private void Down()
    {
        if (Interlocked.Exchange(ref _down, 1) == 1) return;
        LabNetwork.Down(Network.Prefix);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services)
            await service.DisposeAsync();
        Down();
        foreach (var signal in _signals) signal.Dispose();
    }
}
