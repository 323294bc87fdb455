using System.Text;

namespace Junction.Lab;

/// <summary>
/// Builds the HA lab: two routers on the same segments, as a pair is cabled.
/// <code>
///  PREFIX-cK eth0 10.9.0.(10+K) ─ cK ┐
///  PREFIX-lan  bridge 'lan'          ├─ r1 ── lan 10.9.0.2/24 PREFIX-router  ── wanI 10.100.I.2/24 ── r1 ┐
///                                    └─ r2 ── lan 10.9.0.3/24 PREFIX-router2 ── wanI 10.100.I.3/24 ── r2 ┤
///                                   (sync 10.254.0.1/30 ─ sync 10.254.0.2/30)                            │
///  PREFIX-ispI  bridge 'router' 10.100.I.1/24 (the ISP's switch and gateway) ─────────────────────────────┘
///               server 10.200.I.1/24 ── PREFIX-server (as in the single lab, no masquerade)
/// </code>
/// The virtual addresses keepalived moves are 10.9.0.1 (the clients' gateway, so clients
/// are configured as in the single lab) and 10.100.I.10 on wanI (the uplink's SNAT
/// address). A switch port going down is the carrier loss of the router behind it.
/// </summary>
public static class HaLabBuilder
{
    /// <summary>The options an HA lab needs besides its counts.</summary>
    public static LabOptions Options(LabOptions options) =>
        options with { Ha = true, ExtraWanAddresses = 0, ExtraClientAddresses = 0, IspMasquerade = false };

    internal static void Build(LabTopology t)
    {
        foreach (var r in new[] { 1, 2 })
            LabNetwork.Sysctl(t.RouterNamespaceOf(r), "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.default.rp_filter=1");
        LabNetwork.Sysctl(t.ServerNamespace, "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");
        for (var i = 1; i <= t.Uplinks; i++)
            LabNetwork.Sysctl(t.IspNamespace(i), "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");
        for (var k = 1; k <= t.Clients; k++)
            LabNetwork.Sysctl(t.ClientNamespace(k), "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");

        // The switches first, so every port has a bridge to join.
        var lan = new StringBuilder()
            .AppendLine($"link add {LabTopology.LanInterface} type bridge")
            .AppendLine($"link set {LabTopology.LanInterface} up");
        for (var k = 1; k <= t.Clients; k++)
        {
            var port = t.RouterClientPort(k);
            lan.AppendLine($"link add {port} type veth peer name {LabTopology.ClientInterface} netns {t.ClientNamespace(k)}")
               .AppendLine($"link set {port} master {LabTopology.LanInterface}")
               .AppendLine($"link set {port} up");
        }
        LabNetwork.Batch(t.LanSwitchNamespace, lan);
        for (var i = 1; i <= t.Uplinks; i++)
            LabNetwork.Batch(t.IspNamespace(i), new StringBuilder()
                .AppendLine($"link add {LabTopology.IspRouterSide} type bridge")
                .AppendLine($"addr add {t.IspGateway(i)}/24 dev {LabTopology.IspRouterSide}")
                .AppendLine($"link set {LabTopology.IspRouterSide} up"));

        foreach (var r in new[] { 1, 2 })
        {
            var router = new StringBuilder()
                .AppendLine($"link add {LabTopology.LanInterface} type veth peer name {LabTopology.SwitchPort(r)} netns {t.LanSwitchNamespace}")
                .AppendLine($"addr add {t.RouterOwnLanAddress(r)}/{LabTopology.LanPrefixLength} dev {LabTopology.LanInterface}")
                .AppendLine($"link set {LabTopology.LanInterface} up");
            for (var i = 1; i <= t.Uplinks; i++)
                router.AppendLine($"link add {t.WanInterface(i)} type veth peer name {LabTopology.SwitchPort(r)} netns {t.IspNamespace(i)}")
                      .AppendLine($"addr add {t.WanAddressOf(r, i)}/24 dev {t.WanInterface(i)}")
                      .AppendLine($"link set {t.WanInterface(i)} up");
            if (r == 1)
                router.AppendLine($"link add {LabTopology.SyncInterface} type veth peer name {LabTopology.SyncInterface} netns {t.Router2Namespace}");
            router.AppendLine($"addr add {t.SyncAddress(r)}/30 dev {LabTopology.SyncInterface}")
                  .AppendLine($"link set {LabTopology.SyncInterface} up")
                  .AppendLine($"route add default via {t.IspGateway(1)} dev {t.WanInterface(1)}");
            LabNetwork.Batch(t.RouterNamespaceOf(r), router);
        }

        var ports = new StringBuilder();
        foreach (var r in new[] { 1, 2 })
            ports.AppendLine($"link set {LabTopology.SwitchPort(r)} master {LabTopology.LanInterface}")
                 .AppendLine($"link set {LabTopology.SwitchPort(r)} up");
        LabNetwork.Batch(t.LanSwitchNamespace, ports);

        var server = new StringBuilder()
            .AppendLine($"addr add {LabTopology.ServiceAddress}/32 dev {LabTopology.ServiceInterface}");
        for (var i = 1; i <= t.Uplinks; i++)
            server.AppendLine($"link add {t.ServerIspInterface(i)} type veth peer name {LabTopology.IspServerSide} netns {t.IspNamespace(i)}")
                  .AppendLine($"addr add {t.ServerIspAddress(i)}/24 dev {t.ServerIspInterface(i)}")
                  .AppendLine($"link set {t.ServerIspInterface(i)} up")
                  .AppendLine($"route add 10.100.{i}.0/24 via {t.IspServerAddress(i)}");
        LabNetwork.Batch(t.ServerNamespace, server);

        for (var i = 1; i <= t.Uplinks; i++)
        {
            var isp = new StringBuilder();
            foreach (var r in new[] { 1, 2 })
                isp.AppendLine($"link set {LabTopology.SwitchPort(r)} master {LabTopology.IspRouterSide}")
                   .AppendLine($"link set {LabTopology.SwitchPort(r)} up");
            isp.AppendLine($"addr add {t.IspServerAddress(i)}/24 dev {LabTopology.IspServerSide}")
               .AppendLine($"link set {LabTopology.IspServerSide} up")
               .AppendLine($"route add default via {t.ServerIspAddress(i)}");
            LabNetwork.Batch(t.IspNamespace(i), isp);
        }

        for (var k = 1; k <= t.Clients; k++)
            LabNetwork.Batch(t.ClientNamespace(k), new StringBuilder()
                .AppendLine($"addr add {t.ClientAddress(k)}/{LabTopology.LanPrefixLength} dev {LabTopology.ClientInterface}")
                .AppendLine($"link set {LabTopology.ClientInterface} up")
                .AppendLine($"route add default via {LabTopology.RouterLanAddress}"));
    }
}
