using Junction.Kernel.Tests.Support;
using Junction.Linux.Conntrack;
using Junction.Linux.Netlink;
using Junction.Model;

namespace Junction.Kernel.Tests.Conntrack;

public sealed class ConntrackFlusherTests
{
    [Fact]
    public void Flushing_a_mark_nobody_uses_deletes_nothing_in_both_families()
    {
        using var ns = TestNamespace.Create();
        Assert.Equal(0, new ConntrackFlusher(ns.Runner).Flush(0x00010000, 0x00ff0000, Families.Dual));
    }

    [Fact]
    public void The_link_dump_reads_flags_and_addresses_like_the_events_do()
    {
        using var ns = TestNamespace.Create().Interface("wan1", "10.11.0.2/24");
        ns.Run("ip", "link", "add", "wan2", "type", "veth", "peer", "name", "wan2p");

        var dump = LinkDump.Read(ns.Runner);

        var wan1 = dump.OfType<LinkStateChanged>().Single(l => l.Name == "wan1");
        Assert.True(wan1.AdminUp);
        Assert.Contains(dump.OfType<AddressChanged>(), a => a.Index == wan1.Index && a.Address.ToString() == "10.11.0.2" && a.PrefixLength == 24);
        var wan2 = dump.OfType<LinkStateChanged>().Single(l => l.Name == "wan2");
        Assert.False(wan2.HasCarrier);
    }
}
