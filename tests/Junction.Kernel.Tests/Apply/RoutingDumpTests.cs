using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Linux.Apply.Routing;
using Junction.Linux.Interop;
using Junction.Linux.Netlink;
using Junction.Model;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// A busy router's main table (a full BGP table) is not Junction's to read: an apply dumps
/// only the tables it owns, and the kernel walks only those (strict checking), so the cost
/// no longer grows with the routes of other tables.
/// </summary>
public sealed class RoutingDumpTests
{
    private const int MainRoutes = 20_000;

    [Fact]
    public void Only_the_tables_asked_for_are_read_and_the_kernel_sends_nothing_else()
    {
        using var ns = Router();
        using var client = RtnetlinkClient.Open(ns.Name);
        Assert.True(client.FiltersDumps, "this kernel (4.20 or later) filters route dumps");

        // The kernel itself filters: the handler sees the table's routes and nothing of main's 20,000.
        var seen = 0;
        client.DumpTable(Libc.AfInet, 1001, "dump table 1001", () => seen = 0, (type, _) => seen++);
        Assert.Equal(2, seen);
        // A table nobody made is empty, not an error.
        client.DumpTable(Libc.AfInet6, 1009, "dump table 1009", () => seen = 0, (type, _) => seen++);
        Assert.Equal(0, seen);

        var read = Routes(RoutingDump.ReadBoth(client, client.LinkNames(), RangeSet.Of(1001, 1002).Union(RangeSet.Of(70_000, 70_000))));
        Assert.Equal(Expected, read);
    }

    [Fact]
    public void A_range_that_spans_the_kernels_own_tables_reads_none_of_them()
    {
        // An installed record widened to a hull (or edited by hand) can span main; Junction owns none of 0, 253-255.
        using var ns = Router();
        using var client = RtnetlinkClient.Open(ns.Name);
        var tables = RangeSet.Of(0, 0).Union(RangeSet.Of(250, 1002)).Union(RangeSet.Of(70_000, 70_000));

        Assert.Equal(Expected, Routes(RoutingDump.ReadBoth(client, client.LinkNames(), tables)));
    }

    [Fact]
    public void Without_the_kernels_filter_the_same_routes_are_read_from_one_dump_of_everything()
    {
        using var ns = Router();
        using var filtering = RtnetlinkClient.Open(ns.Name);
        using var plain = RtnetlinkClient.Open(ns.Name, filterDumps: false);
        Assert.False(plain.FiltersDumps);
        var tables = RangeSet.Of(1001, 1002).Union(RangeSet.Of(70_000, 70_000));

        Assert.Equal(Expected, Routes(RoutingDump.ReadBoth(plain, plain.LinkNames(), tables)));
        Assert.Equal(Expected, Routes(RoutingDump.ReadBoth(filtering, filtering.LinkNames(), tables)));
        // Asked for every table, both list main's routes too.
        Assert.True(RoutingDump.ReadBoth(filtering).Sum(d => d.Routes.Count) > MainRoutes);
    }

    [Fact]
    public void An_apply_beside_a_big_main_table_reconciles_its_own_tables_and_leaves_main_alone()
    {
        using var ns = Router();
        var plan = Configs.Plan(Configs.ThreeUplinks);
        var owner = Ownership.For(plan);
        // A stray route in a table Junction owns is taken out; main's are not Junction's.
        var stray = $"{owner.Tables.Ranges[0].First}";
        ns.Run("ip", "route", "add", "198.51.100.0/24", "dev", "wan1", "table", stray);

        new KernelApplier(ns.Runner).Apply(plan);

        Assert.DoesNotContain("198.51.100.0/24", ns.Run("ip", "route", "show", "table", stray));
        Assert.Equal(MainRoutes, ns.Run("ip", "route", "show", "table", "main").Split('\n').Count(l => l.StartsWith("100.", StringComparison.Ordinal)));
        var again = new KernelApplier(ns.Runner).Apply(plan);
        Assert.Empty(again.Changes);
    }

    private static readonly string[] Expected =
    [
        "IPv4 table 1001 10.9.0.0/16 dev wan1",
        "IPv4 table 1001 default via 10.11.0.1 dev wan1",
        "IPv4 table 70000 default via 10.11.0.1 dev wan1",
        "IPv6 table 1002 default via 2001:db8:12::1 dev wan2",
    ];

    private static string[] Routes(IReadOnlyList<RoutingDump> dumps) =>
        [.. dumps.SelectMany(d => d.Routes.Select(r => $"{(d.Family == Families.IPv6 ? "IPv6" : "IPv4")} table {r.Table} {r.Spec?.Arguments.Split(" table ")[0] ?? r.ToString()}")).Order(StringComparer.Ordinal)];

    /// <summary>A namespace with the test uplinks, 20,000 routes in main, and a few in numbered tables (one above 255 only RTA_TABLE can name).</summary>
    private static TestNamespace Router()
    {
        var ns = TestNamespace.Create().Uplinks();
        try
        {
            var batch = Path.Combine(Path.GetTempPath(), $"junction-routes-{Guid.NewGuid():N}");
            try
            {
                File.WriteAllLines(batch, Enumerable.Range(0, MainRoutes).Select(i => $"route add 100.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}/32 via 10.11.0.1"));
                ns.Run("ip", "-batch", batch);
            }
            finally
            {
                File.Delete(batch);
            }
            ns.Run("ip", "route", "add", "default", "via", "10.11.0.1", "table", "1001");
            ns.Run("ip", "route", "add", "10.9.0.0/16", "dev", "wan1", "table", "1001");
            ns.Run("ip", "route", "add", "default", "via", "10.11.0.1", "table", "70000");
            ns.Run("ip", "-6", "route", "add", "default", "via", "2001:db8:12::1", "dev", "wan2", "table", "1002");
            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }
}
