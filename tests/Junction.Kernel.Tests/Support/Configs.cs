using Junction.Configuration;
using Junction.Model;
using Junction.Planning;

namespace Junction.Kernel.Tests.Support;

/// <summary>Configurations for the interfaces <see cref="TestNamespace.Uplinks"/> makes.</summary>
internal static class Configs
{
    /// <summary>Two uplinks, one of them dual-stack, so both families have rules and routes.</summary>
    public const string TwoUplinks = """
        lan: [lan0]
        bypass: [10.0.0.0/8]
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.11.0.1, weight: 1 }
          - { name: isp2, interface: wan2, gateway: 10.12.0.1, gateway6: 2001:db8:12::1, weight: 2 }
        """;

    /// <summary><see cref="TwoUplinks"/> with other weights and a third uplink.</summary>
    public const string ThreeUplinks = """
        lan: [lan0]
        bypass: [10.0.0.0/8]
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.11.0.1, weight: 3 }
          - { name: isp2, interface: wan2, gateway: 10.12.0.1, gateway6: 2001:db8:12::1, weight: 1 }
          - { name: isp3, interface: wan3, gateway: 10.13.0.1, weight: 2 }
        """;

    public static JunctionModel Model(string yaml) => ConfigLoader.LoadText(yaml, "test.yaml");

    public static DesiredState Plan(string yaml, params string[] down) => Planner.Plan(Model(yaml), down.ToHashSet());

    /// <summary>The sysctls the configurations above make apply set.</summary>
    public static readonly string[] SysctlKeys =
    [
        "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding",
        "net.ipv4.conf.wan1.rp_filter", "net.ipv4.conf.wan2.rp_filter", "net.ipv4.conf.wan3.rp_filter",
    ];
}
