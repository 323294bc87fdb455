using System.Globalization;
using System.Text;
using Junction.Linux.Namespaces;
using Junction.Linux.Processes;

namespace Junction.Lab;

/// <summary>
/// A lab built in network namespaces: clients, a router where Junction runs, N ISPs and a
/// server reachable through every ISP (see <see cref="LabTopology"/> for the picture).
/// Every link is a veth pair created straight inside its namespaces (<c>ip -n NS link add
/// ... peer ... netns OTHER</c>), so nothing is ever added to the root namespace: no
/// interface, address, route, rule or firewall rule. Disposing removes the whole lab.
/// </summary>
public sealed class LabNetwork : IDisposable
{
    private const string StateRoot = "/run/junction-lab";
    private bool _disposed;

    private LabNetwork(LabTopology topology) => Topology = topology;

    public LabTopology Topology { get; }
    public string Prefix => Topology.Prefix;

    public CommandRunner Router => new(Topology.RouterNamespace);
    public CommandRunner Server => new(Topology.ServerNamespace);
    public CommandRunner Isp(int uplink) => new(Topology.IspNamespace(uplink));
    public CommandRunner Client(int client) => new(Topology.ClientNamespace(client));

    /// <summary>Where this lab keeps files (a config, the server's pid and log); removed by <see cref="Down"/>.</summary>
    public string StateDirectory => StateDirectoryOf(Prefix);

    public static string StateDirectoryOf(string prefix) => Path.Combine(StateRoot, prefix);

    /// <summary>Whether any namespace of a lab with this prefix exists.</summary>
    public static bool Exists(string prefix) => NamespacesOf(prefix).Count > 0;

    public static IReadOnlyList<string> NamespacesOf(string prefix) =>
        [.. NetworkNamespace.List(prefix + "-").Where(n => LabTopology.IsLabNamespace(prefix, n))];

    /// <summary>
    /// The topology of a lab that is up (made by another process, e.g. 'lab up'), from its
    /// namespaces' names; null when none is. Extra client addresses are not recovered.
    /// </summary>
    public static LabTopology? Discover(string prefix)
    {
        var roles = NamespacesOf(prefix).Select(n => n[(prefix.Length + 1)..]).ToList();
        int Count(string role) => roles.Count(r => r.StartsWith(role, StringComparison.Ordinal) && r[role.Length..].All(char.IsAsciiDigit));
        if (!roles.Contains("router")) return null;
        var options = new LabOptions { Prefix = prefix, Uplinks = Count("isp"), Clients = Count("c") };
        if (roles.Contains("router2")) options = HaLabBuilder.Options(options);
        return options.Problems().Count == 0 ? new LabTopology(options) : null;
    }

    /// <summary>
    /// Builds the lab, replacing a stale one with the same prefix. On any failure it removes
    /// what it built and throws, so a half-built lab never stays behind.
    /// </summary>
    public static LabNetwork Up(LabOptions options)
    {
        if (options.Problems() is { Count: > 0 } problems)
            throw new ArgumentException(string.Join("; ", problems), nameof(options));

        var lab = new LabNetwork(new LabTopology(options));
        Down(options.Prefix);
        try
        {
            lab.Build();
            return lab;
        }
        catch
        {
            Down(options.Prefix);
            throw;
        }
    }

    /// <summary>
    /// Removes every namespace of the lab with this prefix (their veths, addresses, routes
    /// and processes go with them) and its state directory. Safe to run again; returns
    /// the namespaces it removed.
    /// </summary>
    public static IReadOnlyList<string> Down(string prefix)
    {
        var names = NamespacesOf(prefix);
        foreach (var name in names)
            NetworkNamespace.Delete(name);
        var state = StateDirectoryOf(prefix);
        if (Directory.Exists(state)) Directory.Delete(state, recursive: true);
        // The last lab out takes the shared parent with it, so nothing of the lab stays in /run.
        if (Directory.Exists(StateRoot) && !Directory.EnumerateFileSystemEntries(StateRoot).Any())
            Directory.Delete(StateRoot);
        return names;
    }

    private void Build()
    {
        var t = Topology;
        foreach (var name in t.Namespaces)
            NetworkNamespace.Create(name);
        if (t.Options.Ha)
        {
            HaLabBuilder.Build(t);
            return;
        }

        // Fixed sysctls, not whatever the root namespace passed on: the router is a
        // hardened distro's router (strict reverse-path filter, which Junction must loosen
        // on its uplinks itself); the ISPs forward; nobody else filters.
        Sysctl(t.RouterNamespace, "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.default.rp_filter=1");
        Sysctl(t.ServerNamespace, "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");
        for (var i = 1; i <= t.Uplinks; i++)
            Sysctl(t.IspNamespace(i), "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");
        for (var k = 1; k <= t.Clients; k++)
            Sysctl(t.ClientNamespace(k), "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");

        // The router and the server create the veth pairs, each peer born in the other namespace.
        var router = new StringBuilder()
            .AppendLine($"link add {LabTopology.LanInterface} type bridge")
            .AppendLine($"addr add {LabTopology.RouterLanAddress}/{LabTopology.LanPrefixLength} dev {LabTopology.LanInterface}")
            .AppendLine($"link set {LabTopology.LanInterface} up");
        for (var i = 1; i <= t.Uplinks; i++)
        {
            var wan = t.WanInterface(i);
            router.AppendLine($"link add {wan} type veth peer name {LabTopology.IspRouterSide} netns {t.IspNamespace(i)}")
                .AppendLine($"addr add {t.WanAddress(i)}/24 dev {wan}");
            foreach (var extra in t.WanExtraAddresses(i))
                router.AppendLine($"addr add {extra}/24 dev {wan}");
            router.AppendLine($"link set {wan} up");
        }
        for (var k = 1; k <= t.Clients; k++)
        {
            var port = t.RouterClientPort(k);
            router.AppendLine($"link add {port} type veth peer name {LabTopology.ClientInterface} netns {t.ClientNamespace(k)}")
                .AppendLine($"link set {port} master {LabTopology.LanInterface}")
                .AppendLine($"link set {port} up");
            if (t.Options.ExtraClientAddresses > 0)
                router.AppendLine($"route add 10.9.{k}.0/24 via {t.ClientAddress(k)}");
        }
        // The main table's default route is the fallback Junction must keep working beside.
        router.AppendLine($"route add default via {t.IspGateway(1)} dev {t.WanInterface(1)}");
        Batch(t.RouterNamespace, router);

        // The service address sits on loopback: every kernel has it, where a dummy
        // interface needs a module some kernels (this lab's own CI among them) lack.
        var server = new StringBuilder()
            .AppendLine($"addr add {LabTopology.ServiceAddress}/32 dev {LabTopology.ServiceInterface}");
        for (var i = 1; i <= t.Uplinks; i++)
        {
            var link = t.ServerIspInterface(i);
            server.AppendLine($"link add {link} type veth peer name {LabTopology.IspServerSide} netns {t.IspNamespace(i)}")
                .AppendLine($"addr add {t.ServerIspAddress(i)}/24 dev {link}")
                .AppendLine($"link set {link} up")
                // Only used when the ISPs do not masquerade: replies to the router's own
                // addresses go back through the ISP they came from.
                .AppendLine($"route add 10.100.{i}.0/24 via {t.IspServerAddress(i)}");
        }
        Batch(t.ServerNamespace, server);

        for (var i = 1; i <= t.Uplinks; i++)
        {
            var isp = new StringBuilder()
                .AppendLine($"addr add {t.IspGateway(i)}/24 dev {LabTopology.IspRouterSide}")
                .AppendLine($"link set {LabTopology.IspRouterSide} up")
                .AppendLine($"addr add {t.IspServerAddress(i)}/24 dev {LabTopology.IspServerSide}")
                .AppendLine($"link set {LabTopology.IspServerSide} up")
                .AppendLine($"route add default via {t.ServerIspAddress(i)}")
                .AppendLine($"route add 10.9.0.0/16 via {t.WanAddress(i)}");
            Batch(t.IspNamespace(i), isp);
            if (t.Options.IspMasquerade)
            {
                var nft = $$"""
                    table ip lab {
                        chain postrouting {
                            type nat hook postrouting priority srcnat; policy accept;
                            oifname "{{LabTopology.IspServerSide}}" masquerade
                        }
                    }
                    """;
                Isp(i).Run("nft", ["-f", "-"], stdin: nft + "\n").Check();
            }
        }

        for (var k = 1; k <= t.Clients; k++)
        {
            var client = new StringBuilder()
                .AppendLine($"addr add {t.ClientAddress(k)}/{LabTopology.LanPrefixLength} dev {LabTopology.ClientInterface}");
            foreach (var extra in t.ClientExtraAddresses(k))
                client.AppendLine($"addr add {extra}/32 dev {LabTopology.ClientInterface}");
            client.AppendLine($"link set {LabTopology.ClientInterface} up")
                .AppendLine($"route add default via {LabTopology.RouterLanAddress}");
            Batch(t.ClientNamespace(k), client);
        }
    }

    /// <summary>One <c>ip -batch</c> per namespace: fast, and its error names the failing line.</summary>
    internal static void Batch(string netns, StringBuilder commands) =>
        CommandRunner.Current.Run("ip", ["-n", netns, "-batch", "-"], stdin: commands.ToString()).Check();

    internal static void Sysctl(string netns, params string[] settings) =>
        new CommandRunner(netns).Run("sysctl", ["-q", "-w", .. settings]).Check();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Down(Prefix);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"lab {Prefix}: {Topology.Uplinks} uplinks, {Topology.Clients} clients");
}
