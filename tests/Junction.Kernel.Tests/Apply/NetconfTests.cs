using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Linux.Apply.Sysctls;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// The applier reads IPv4 forwarding and every interface's rp_filter from one netconf dump
/// instead of a file each: every value must be the one the file under /proc/sys shows,
/// under the key the file has (an interface name's dots are slashes there).
/// </summary>
public sealed class NetconfTests
{
    [Fact]
    public void Every_value_the_dump_gives_is_what_the_sysctl_file_shows()
    {
        using var ns = TestNamespace.Create().Uplinks().Interface("wan.7", "10.17.0.2/24");
        ns.Run("sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv4.conf.wan1.rp_filter=2", "net.ipv4.conf.wan2.rp_filter=1",
            "net.ipv4.conf.wan3.rp_filter=0", "net.ipv4.conf.wan/7.rp_filter=2", "net.ipv4.conf.default.rp_filter=1", "net.ipv4.conf.all.rp_filter=0");
        var io = new KernelIo(ns.Runner);

        var dumped = Netconf.ReadIpv4(io.Rtnetlink, io.Rtnetlink.LinkNames());

        string[] expected = ["net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding", "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter",
            "net.ipv4.conf.lo.rp_filter", "net.ipv4.conf.wan1.rp_filter", "net.ipv4.conf.wan2.rp_filter", "net.ipv4.conf.wan3.rp_filter",
            "net.ipv4.conf.wan/7.rp_filter", "net.ipv4.conf.wan/7.forwarding", "net.ipv4.conf.lan0.forwarding"];
        Assert.All(expected, k => Assert.True(dumped.ContainsKey(k), k));
        Assert.Equal("2", dumped["net.ipv4.conf.wan/7.rp_filter"]);
        Assert.Equal("1", dumped["net.ipv4.ip_forward"]);
        foreach (var (key, value) in dumped)
            Assert.Equal((key, ns.Run("sysctl", "-n", key).Trim()), (key, value));
    }

    [Fact]
    public void The_applier_reads_the_same_sysctls_through_the_dump_as_through_the_files()
    {
        using var ns = TestNamespace.Create().Uplinks();
        ns.Run("sysctl", "-q", "-w", "net.ipv4.conf.wan1.rp_filter=1", "net.ipv4.conf.wan2.rp_filter=2");
        var io = new KernelIo(ns.Runner);
        var keys = Configs.Plan(Configs.ThreeUplinks).Sysctls.Select(s => s.Key).ToList();

        var mixed = SysctlReconciler.Read(io, keys, io.Rtnetlink.LinkNames());

        Assert.Equal(SysctlReconciler.Read(ns.Name, keys), mixed);
        Assert.Equal(keys.Distinct(), mixed.Keys);
    }
}
