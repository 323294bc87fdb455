using Junction.Lab;
using Junction.Linux.Namespaces;

namespace Junction.Kernel.Tests.Lab;

/// <summary>
/// A lab of its own for one test, with a unique prefix so tests run side by side, and its
/// service running in this process. Disposing removes every namespace even when the test failed.
/// </summary>
internal sealed class TestLab : IAsyncDisposable
{
    private TestLab(LabNetwork network, LabServer server)
    {
        Network = network;
        Server = server;
    }

    public LabNetwork Network { get; }
    public LabServer Server { get; }
    public LabTopology Topology => Network.Topology;

    /// <summary>Skips the test (with the reason) on a machine where namespaces cannot be made.</summary>
    public static void SkipUnlessNamespaces()
    {
        if (NetworkNamespace.Unavailable() is { } why) Assert.Skip(why);
    }

    public static string UniquePrefix() => "jtl" + Guid.NewGuid().ToString("N")[..6];

    public static TestLab Start(LabOptions? options = null)
    {
        SkipUnlessNamespaces();
        var network = LabNetwork.Up((options ?? new LabOptions()) with { Prefix = UniquePrefix() });
        try
        {
            return new TestLab(network, LabServer.Start(network.Topology));
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    public ConnectOptions From(int client, int count) => new()
    {
        Namespace = Topology.ClientNamespace(client),
        Server = Topology.Service,
        Count = count,
    };

    /// <summary>Connections per uplink the server saw (index 0: not attributable to any uplink).</summary>
    public int[] PerUplink(IEnumerable<ConnectionOutcome> outcomes)
    {
        var counts = new int[Topology.Uplinks + 1];
        foreach (var outcome in outcomes)
            counts[outcome.Seen is { } seen && Topology.UplinkOf(seen.Address) is { } uplink ? uplink : 0]++;
        return counts;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Server.DisposeAsync();
        }
        finally
        {
            Network.Dispose();
        }
    }
}
