using System.Net;
using System.Text.RegularExpressions;
using Junction.Explain;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Conntrack;
using Junction.Lab;
using Junction.Model;

namespace Junction.Kernel.Tests.Conntrack;

/// <summary>
/// ctnetlink in this process against the real kernel: entries created in a namespace,
/// counted and deleted by mark, checked against conntrack(8)'s own filter.
/// </summary>
public sealed partial class ConntrackNetlinkTests
{
    private const uint Mask = 0x00ff0000;
    private static readonly IPAddress Server = IPAddress.Parse("198.51.100.7"), Server6 = IPAddress.Parse("2001:db8:99::7");

    /// <summary>
    /// Three uplinks' worth of entries (uplink 2 with IPv6 and a two-address SNAT pool),
    /// entries of another tool's bits (outside the mask) and unmarked ones.
    /// </summary>
    private static List<ConntrackSeed> Seeds()
    {
        var seeds = new List<ConntrackSeed>();
        ushort port = 10000;
        void Add(int n, uint mark, string snat, bool v6 = false)
        {
            for (var i = 0; i < n; i++)
                seeds.Add(v6
                    ? new ConntrackSeed(IPAddress.Parse("fd00:9::2"), port++, Server6, 53, IPAddress.Parse(snat), mark)
                    : new ConntrackSeed(IPAddress.Parse("10.9.0.2"), port++, Server, 53, IPAddress.Parse(snat), mark));
        }
        Add(5, 0x00010000, "10.11.0.2");
        Add(3, 0x00010001, "10.11.0.2"); // another tool's bit beside Junction's
        Add(7, 0x00020000, "10.12.0.2");
        Add(2, 0x00020000, "10.12.0.3");
        Add(4, 0x00020000, "2001:db8:12::2", v6: true);
        Add(6, 0x00030000, "10.13.0.2");
        Add(9, 0x00000000, "10.9.0.2");
        Add(2, 0x00000005, "10.9.0.2"); // another tool's mark only
        return seeds;
    }

    [Fact]
    public void Counts_per_uplink_mark_equal_conntracks_own_filter_for_three_uplinks()
    {
        using var ns = TestNamespace.Create();
        Assert.Equal(38, ConntrackSeeder.Insert(ns.Name, Seeds()));
        using var conntrack = new ConntrackNetlink(ns.Name);

        var counts = conntrack.CountByMark(Mask);

        for (uint uplink = 1; uplink <= 3; uplink++)
        {
            var mark = uplink << 16;
            var own = Listed(ns, $"0x{mark:x}/0x{Mask:x}");
            Assert.Equal(own, counts.Where(c => c.Mark == mark).Sum(c => c.Count));
            Assert.Equal(own, conntrack.Count(mark, Mask, Families.Dual));
        }
        Assert.Equal([8, 13, 6], new uint[] { 1, 2, 3 }.Select(u => counts.Where(c => c.Mark == u << 16).Sum(c => c.Count)));
        // Per address the server saw: the SNAT pool of uplink 2, both families.
        Assert.Equal(7, counts.Single(c => c.Mark == 0x20000 && c.SeenSource == "10.12.0.2").Count);
        Assert.Equal(2, counts.Single(c => c.Mark == 0x20000 && c.SeenSource == "10.12.0.3").Count);
        Assert.Equal(4, counts.Single(c => c.Mark == 0x20000 && c.SeenSource == "2001:db8:12::2").Count);
        // Unmarked entries and other tools' bits alone are not Junction's.
        Assert.DoesNotContain(counts, c => c.Mark == 0 || (c.Mark & ~Mask) != 0);
        Assert.Equal(4, conntrack.Count(0x20000, Mask, Families.IPv6));
        Assert.Equal(9, conntrack.Count(0x20000, Mask, Families.IPv4));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Flushing_one_uplink_by_mark_leaves_every_other_entry(bool kernelFilter)
    {
        using var ns = TestNamespace.Create();
        ConntrackSeeder.Insert(ns.Name, Seeds());
        using var conntrack = new ConntrackNetlink(ns.Name) { KernelFilteredDelete = kernelFilter };
        var before = Listed(ns, null);

        Assert.Equal(13, conntrack.Delete(0x20000, Mask, Families.Dual));

        Assert.Equal(0, Listed(ns, $"0x20000/0x{Mask:x}"));
        Assert.Equal(8, Listed(ns, $"0x10000/0x{Mask:x}"));
        Assert.Equal(6, Listed(ns, $"0x30000/0x{Mask:x}"));
        Assert.Equal(before - 13, Listed(ns, null));
        Assert.Equal(0, conntrack.Delete(0x20000, Mask, Families.Dual));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Flushing_one_family_leaves_the_other(bool kernelFamilyFilter)
    {
        using var ns = TestNamespace.Create();
        ConntrackSeeder.Insert(ns.Name, Seeds());
        using var conntrack = new ConntrackNetlink(ns.Name) { KernelFamilyFilteredDelete = kernelFamilyFilter };

        Assert.Equal(9, conntrack.Delete(0x20000, Mask, Families.IPv4));

        Assert.Equal(4, Listed(ns, $"0x20000/0x{Mask:x}"));
        Assert.Equal(4, conntrack.Count(0x20000, Mask, Families.IPv6));
        Assert.Equal(8, Listed(ns, $"0x10000/0x{Mask:x}"));

        Assert.Equal(4, conntrack.Delete(0x20000, Mask, Families.IPv6));

        Assert.Equal(0, Listed(ns, $"0x20000/0x{Mask:x}"));
        Assert.Equal(6, Listed(ns, $"0x30000/0x{Mask:x}"));
    }

    [Fact]
    public void Find_streams_the_table_and_returns_only_the_connection_asked_for()
    {
        using var ns = TestNamespace.Create();
        ConntrackSeeder.Insert(ns.Name, Seeds());
        using var conntrack = new ConntrackNetlink(ns.Name);

        var found = Assert.Single(conntrack.Find(new ConnectionQuery("udp", IPAddress.Parse("10.9.0.2"), 10009, Server, 53)));
        Assert.Equal(new TrackedConnection("udp", null, IPAddress.Parse("10.9.0.2"), 10009, Server, 53,
            Server, IPAddress.Parse("10.12.0.2"), 53, 10009, 0x20000), found);
        var v6 = Assert.Single(conntrack.Find(new ConnectionQuery("udp", null, 10017, Server6, 53)));
        Assert.Equal(IPAddress.Parse("2001:db8:12::2"), v6.ReplyDestination);
        Assert.Equal(34, conntrack.Find(new ConnectionQuery(null, null, null, Server, 53)).Count);
        Assert.Empty(conntrack.Find(new ConnectionQuery("tcp", null, null, Server, 53)));
    }

    /// <summary>How many entries conntrack(8) lists, optionally with its own --mark filter.</summary>
    private static int Listed(TestNamespace ns, string? mark)
    {
        var result = mark is null ? ns.Runner.Run("conntrack", "-L") : ns.Runner.Run("conntrack", "-L", "--mark", mark);
        return int.Parse(Shown().Match(result.Stderr).Groups[1].Value);
    }

    [GeneratedRegex(@"(\d+) flow entries have been shown")]
    private static partial Regex Shown();
}
