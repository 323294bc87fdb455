using Junction.Linux.Namespaces;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Support;

/// <summary>
/// A network namespace one test makes and removes (also when it fails), named
/// jta-PID-N so parallel tests and runs never collide, with uplink interfaces to route over.
/// </summary>
internal sealed class TestNamespace : IDisposable
{
    private static int _next;
    private static readonly Lazy<string?> Unavailable = new(NetworkNamespace.Unavailable);
    private readonly NetworkNamespace _ns;

    private TestNamespace(NetworkNamespace ns) => _ns = ns;

    public string Name => _ns.Name;

    public CommandRunner Runner => _ns.Runner;

    /// <summary>A new namespace, or the test is skipped when this machine cannot make one.</summary>
    public static TestNamespace Create()
    {
        if (Unavailable.Value is { } reason) Assert.Skip(reason);
        var ns = new TestNamespace(NetworkNamespace.Create($"jta-{Environment.ProcessId}-{Interlocked.Increment(ref _next)}"));
        try
        {
            // Addresses are usable at once and no address appears later, so two snapshots
            // of an untouched namespace are always equal.
            ns.Run("sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>
    /// An interface that is up with addresses, so routes via a gateway on its networks can
    /// be added. A veth pair, since the kernel may lack the dummy driver; both ends stay here.
    /// </summary>
    public TestNamespace Interface(string name, params string[] addresses)
    {
        Run("ip", "link", "add", name, "type", "veth", "peer", "name", name + "p");
        foreach (var a in addresses)
            Run("ip", a.Contains(':') ? "-6" : "-4", "addr", "add", a, "dev", name);
        Run("ip", "link", "set", name + "p", "up");
        Run("ip", "link", "set", name, "up");
        return this;
    }

    /// <summary>The interfaces the tests' configurations name.</summary>
    public TestNamespace Uplinks() => Interface("wan1", "10.11.0.2/24")
        .Interface("wan2", "10.12.0.2/24", "2001:db8:12::2/64")
        .Interface("wan3", "10.13.0.2/24")
        .Interface("lan0", "192.168.1.1/24");

    public string Run(string program, params string[] args) => Runner.Check(program, args);

    public void Dispose() => _ns.Dispose();
}
