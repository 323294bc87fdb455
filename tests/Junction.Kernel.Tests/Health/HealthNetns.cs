using Junction.Linux.Namespaces;

namespace Junction.Health.Kernel.Tests;

/// <summary>
/// Two namespaces of this test's own joined by a veth: "router" (jth0, 10.77.0.1/24,
/// fd77::1/64) plays an uplink's end, "peer" (jth1, 10.77.0.2/24, fd77::2/64) the far end.
/// Names start with jth- and are unique per instance; both go away on dispose, also when
/// the set-up itself fails half-way.
/// </summary>
internal sealed class HealthNetns : IDisposable
{
    public const string RouterIf = "jth0", PeerIf = "jth1";
    public const string RouterIp = "10.77.0.1", PeerIp = "10.77.0.2", PeerIp6 = "fd77::2";

    private HealthNetns(NetworkNamespace router, NetworkNamespace peer) => (Router, Peer) = (router, peer);

    public NetworkNamespace Router { get; }

    public NetworkNamespace Peer { get; }

    // NetworkNamespace.Unavailable() creates a probe namespace named after the process id,
    // so two tests asking at once collide and one is skipped; ask once.
    private static readonly Lazy<string?> Unavailable = new(NetworkNamespace.Unavailable);

    /// <summary>Skips the calling test (with the reason) where namespaces cannot be made.</summary>
    public static HealthNetns Create()
    {
        if (Unavailable.Value is { } reason) Assert.Skip(reason);
        var id = Guid.NewGuid().ToString("N")[..8];
        NetworkNamespace? router = null, peer = null;
        try
        {
            router = NetworkNamespace.Create($"jth-{id}-r");
            peer = NetworkNamespace.Create($"jth-{id}-p");
            // Without duplicate address detection the link-local addresses neighbour
            // discovery needs are usable at once, instead of a second or two later.
            foreach (var ns in new[] { router, peer })
                ns.Runner.Check("sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0");
            router.Runner.Check("ip", "link", "add", RouterIf, "type", "veth", "peer", "name", PeerIf, "netns", peer.Name);
            router.Runner.Check("ip", "addr", "add", $"{RouterIp}/24", "dev", RouterIf);
            router.Runner.Check("ip", "addr", "add", "fd77::1/64", "dev", RouterIf, "nodad");
            router.Runner.Check("ip", "link", "set", RouterIf, "up");
            peer.Runner.Check("ip", "addr", "add", $"{PeerIp}/24", "dev", PeerIf);
            peer.Runner.Check("ip", "addr", "add", $"{PeerIp6}/64", "dev", PeerIf, "nodad");
            peer.Runner.Check("ip", "link", "set", PeerIf, "up");
            var net = new HealthNetns(router, peer);
            net.WaitUntilUp();
            return net;
        }
        catch
        {
            peer?.Dispose();
            router?.Dispose();
            throw;
        }
    }

    /// <summary>Silently drops everything arriving at the peer: carrier stays up, only probes can tell.</summary>
    public void BlackholePeer() =>
        Peer.Runner.Run("nft", ["-f", "-"], "table inet jth {\n  chain in {\n    type filter hook input priority 0; policy drop;\n  }\n}\n").Check();

    /// <summary>
    /// The kernel attaches a device's queue only when its link watcher sees the carrier,
    /// up to a second after 'ip link set up'; packets sent before that are dropped.
    /// </summary>
    public void WaitUntilUp()
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (!(IsUp(Router, RouterIf) && IsUp(Peer, PeerIf)))
        {
            if (Environment.TickCount64 > deadline) throw new TimeoutException("the veth pair did not come up");
            Thread.Sleep(20);
        }
    }

    private static bool IsUp(NetworkNamespace ns, string dev) =>
        ns.Runner.Run("ip", "-o", "link", "show", dev).Stdout.Contains("state UP", StringComparison.Ordinal);

    public void Dispose()
    {
        Peer.Dispose();
        Router.Dispose();
    }
}
