using System.Net;
using System.Text.RegularExpressions;

namespace Junction.Lab;

/// <summary>
/// The names and addresses of one lab, computed from its options and nothing else, so a
/// test, the demo and a later 'lab down' all agree on them without asking the kernel.
/// <code>
///  PREFIX-cK  eth0 10.9.0.(10+K)/24 ─┐
///                                    │ cK (port of bridge 'lan')
///  PREFIX-router  lan 10.9.0.1/24    ┘     wanI 10.100.I.2/24 (+ .3-.5)
///                                           │
///  PREFIX-ispI    router 10.100.I.1/24 ─────┘   server 10.200.I.1/24 (masquerade)
///                                                 │
///  PREFIX-server  ispI 10.200.I.2/24 ─────────────┘   lo 198.51.100.10/32, TCP 7000
/// </code>
/// </summary>
public sealed partial class LabTopology(LabOptions options)
{
    public const string LanInterface = "lan";
    public const string ClientInterface = "eth0";
    public const string IspRouterSide = "router";
    public const string IspServerSide = "server";
    public const string ServiceInterface = "lo";
    public const int ServicePort = 7000;

    public static readonly IPAddress ServiceAddress = IPAddress.Parse("198.51.100.10");
    public static readonly IPAddress RouterLanAddress = IPAddress.Parse("10.9.0.1");
    public const int LanPrefixLength = 24;

    public LabOptions Options { get; } = options;
    public string Prefix => Options.Prefix;
    public int Uplinks => Options.Uplinks;
    public int Clients => Options.Clients;

    public IPEndPoint Service => new(ServiceAddress, ServicePort);

    public string RouterNamespace => $"{Prefix}-router";
    /// <summary>The second router of an HA lab (<see cref="LabOptions.Ha"/>); the first is <see cref="RouterNamespace"/>.</summary>
    public string Router2Namespace => $"{Prefix}-router2";
    /// <summary>The HA lab's LAN switch: a namespace holding the bridge both routers and every client join.</summary>
    public string LanSwitchNamespace => $"{Prefix}-lan";

    /// <summary>Router 1 or 2 of an HA lab.</summary>
    public string RouterNamespaceOf(int router) => router switch { 1 => RouterNamespace, 2 => Router2Namespace, _ => throw new ArgumentOutOfRangeException(nameof(router), router, "an HA lab has routers 1 and 2") };
    public string ServerNamespace => $"{Prefix}-server";
    public string ClientNamespace(int client) => $"{Prefix}-c{CheckClient(client)}";
    public string IspNamespace(int uplink) => $"{Prefix}-isp{CheckUplink(uplink)}";

    /// <summary>Every namespace of the lab, in the order they are built.</summary>
    public IReadOnlyList<string> Namespaces =>
    [
        RouterNamespace,
        .. Options.Ha ? [Router2Namespace, LanSwitchNamespace] : Array.Empty<string>(),
        ServerNamespace,
        .. Enumerable.Range(1, Uplinks).Select(IspNamespace),
        .. Enumerable.Range(1, Clients).Select(ClientNamespace),
    ];

    /// <summary>The router's bridge port toward client K.</summary>
    public string RouterClientPort(int client) => $"c{CheckClient(client)}";
    public string WanInterface(int uplink) => $"wan{CheckUplink(uplink)}";
    /// <summary>The server's interface toward ISP I.</summary>
    public string ServerIspInterface(int uplink) => $"isp{CheckUplink(uplink)}";

    public IPAddress WanAddress(int uplink) => V4(10, 100, CheckUplink(uplink), 2);
    public IPAddress IspGateway(int uplink) => V4(10, 100, CheckUplink(uplink), 1);
    public IReadOnlyList<IPAddress> WanExtraAddresses(int uplink) =>
        [.. Enumerable.Range(3, Options.ExtraWanAddresses).Select(h => V4(10, 100, CheckUplink(uplink), h))];

    /// <summary>ISP I's address toward the server: what the server sees when the ISP masquerades.</summary>
    public IPAddress IspServerAddress(int uplink) => V4(10, 200, CheckUplink(uplink), 1);
    public IPAddress ServerIspAddress(int uplink) => V4(10, 200, CheckUplink(uplink), 2);

    public IPAddress ClientAddress(int client) => V4(10, 9, 0, 10 + CheckClient(client));
    public IReadOnlyList<IPAddress> ClientExtraAddresses(int client) =>
        [.. Enumerable.Range(1, Options.ExtraClientAddresses).Select(h => V4(10, 9, CheckClient(client), h))];

    /// <summary>
    /// Which uplink a connection used, from the source address the server saw: ISP I's own
    /// address when it masquerades, else the router's address on wanI. Null for anything else.
    /// </summary>
    public int? UplinkOf(IPAddress seen)
    {
        var b = seen.MapToIPv4().GetAddressBytes();
        if (b[0] != 10 || b[2] < 1 || b[2] > Uplinks) return null;
        return b[1] switch
        {
            200 when b[3] == 1 => b[2],
            100 when b[3] >= 2 => b[2],
            _ => null,
        };
    }

    /// <summary>Whether a namespace name belongs to the lab with this prefix (and not to 'PREFIXother-...').</summary>
    public static bool IsLabNamespace(string prefix, string name) =>
        name.StartsWith(prefix + "-", StringComparison.Ordinal) && LabRole().IsMatch(name[(prefix.Length + 1)..]);

    private int CheckUplink(int uplink) =>
        uplink >= 1 && uplink <= Uplinks ? uplink : throw new ArgumentOutOfRangeException(nameof(uplink), uplink, $"the lab has uplinks 1..{Uplinks}");

    private int CheckClient(int client) =>
        client >= 1 && client <= Clients ? client : throw new ArgumentOutOfRangeException(nameof(client), client, $"the lab has clients 1..{Clients}");

    private static IPAddress V4(int a, int b, int c, int d) => new([(byte)a, (byte)b, (byte)c, (byte)d]);

    // HA lab: each router's own address on the LAN (10.9.0.2, .3) and on ISP I's segment
    // (10.100.I.2, .3); the virtual ones keepalived moves are RouterLanAddress (10.9.0.1,
    // the clients' gateway) and WanVirtualAddress (10.100.I.10, the uplink's SNAT address).
    public const string SyncInterface = "sync";
    public IPAddress RouterOwnLanAddress(int router) => V4(10, 9, 0, 1 + CheckRouter(router));
    public IPAddress WanAddressOf(int router, int uplink) => V4(10, 100, CheckUplink(uplink), 1 + CheckRouter(router));
    public IPAddress WanVirtualAddress(int uplink) => V4(10, 100, CheckUplink(uplink), 10);
    public IPAddress SyncAddress(int router) => V4(10, 254, 0, CheckRouter(router));
    /// <summary>Router R's port on a switch (the LAN bridge, or ISP I's bridge 'router').</summary>
    public static string SwitchPort(int router) => $"r{router}";

    private static int CheckRouter(int router) =>
        router is 1 or 2 ? router : throw new ArgumentOutOfRangeException(nameof(router), router, "an HA lab has routers 1 and 2");

    [GeneratedRegex("^(router|router2|lan|server|isp[0-9]+|c[0-9]+)$")]
    private static partial Regex LabRole();
}
