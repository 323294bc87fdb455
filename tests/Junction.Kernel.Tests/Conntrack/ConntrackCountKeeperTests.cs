using System.Net;
using System.Text.RegularExpressions;
using Junction.Kernel.Tests.Balancing;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Conntrack;
using Junction.Lab;
using Junction.Linux.Processes;
using Junction.Model;

namespace Junction.Kernel.Tests.Conntrack;

/// <summary>
/// Counts kept from conntrack events against the real kernel: real TCP connections through a
/// lab router balancing over three uplinks, compared with conntrack(8)'s own --mark filter as
/// connections open, close and are flushed; and a forced overrun that the resync corrects.
/// </summary>
public sealed partial class ConntrackCountKeeperTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Counts_kept_from_events_equal_conntracks_mark_filter_for_three_uplinks_as_connections_open_and_close()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 3 });
        lab.Apply(lab.Config("lan: [lan]", [1, 1, 1]));
        var model = lab.Model!;
        var router = lab.Lab.Network.Router;
        // Closed connections leave the table a second after their last FIN, not minutes: every
        // closing state, since on a loaded machine the server's FIN can come late (CLOSE_WAIT
        // otherwise lasts a minute).
        foreach (var state in new[] { "time_wait", "close_wait", "fin_wait", "last_ack", "close" })
            router.Check("sysctl", "-q", "-w", $"net.netfilter.nf_conntrack_tcp_timeout_{state}=1");
        // These exist before the keeper starts: only its first dump can know them.
        var early = await lab.Hold(6);

        using var keeper = ConntrackCountKeeper.TryStart(model.Marks.Mask, lab.Topology.RouterNamespace)
            ?? throw new InvalidOperationException("no conntrack events in the lab router");
        await Until(() => keeper.Seeded, "the first dump");
        Assert.Equal(new long[] { 2, 2, 2 }, await Matched(keeper, router, model));

        // Told by NEW events.
        await using var held = await lab.Hold(9);
        Assert.Equal(new long[] { 5, 5, 5 }, await Matched(keeper, router, model));
        // Opened and closed at once: counted while in TIME_WAIT, gone (DESTROY) after it.
        lab.PerUplink(await lab.Connect(30));
        await early.DisposeAsync();
        // Only the held nine are left once the closed ones expired, each DESTROY counted.
        var settled = await Matched(keeper, router, model, expected: [3, 3, 3]);

        // A flush of uplink 2 by mark: one DESTROY per entry; the others are untouched.
        using (var conntrack = new ConntrackNetlink(lab.Topology.RouterNamespace))
            conntrack.Delete(model.Marks.Value(2), model.Marks.Mask, Families.Dual);
        var flushed = await Matched(keeper, router, model);
        Assert.Equal(0, flushed[1]);
        Assert.Equal(settled[0], flushed[0]);
        Assert.Equal(settled[2], flushed[2]);
        Assert.True(keeper.Resyncs >= 1);
    }

    [Fact]
    public async Task After_the_kernel_drops_events_a_resync_puts_the_counts_right_for_both_families()
    {
        using var ns = TestNamespace.Create();
        const uint mask = 0x00ff0000;
        // A receive buffer the kernel cannot fit a burst into, and no automatic resync yet: the
        // counts are seen wrong first, then right after the resync.
        var manual = new ConntrackCountKeeper.Timings(TimeSpan.MaxValue, TimeSpan.MaxValue, TimeSpan.Zero, ReceiveBuffer: 4096);
        using (var keeper = ConntrackCountKeeper.TryStart(mask, ns.Name, manual) ?? throw new InvalidOperationException("no conntrack events"))
        {
            await Until(() => keeper.Seeded, "the first dump");
            Assert.Equal(0, Kept(keeper, mask, 0x10000) + Kept(keeper, mask, 0x20000));

            Assert.Equal(12_000, ConntrackSeeder.Insert(ns.Name, Seeds(12_000)));

            await Until(() => keeper.Overruns > 0, "an overrun");
            await Task.Delay(500, Cancel);
            Assert.NotEqual(12_000, Kept(keeper, mask, 0x10000) + Kept(keeper, mask, 0x20000));
            var resyncs = keeper.Resyncs;
            keeper.RequestResync();
            await Until(() => keeper.Resyncs > resyncs, "the resync");
            Assert.Equal(Listed(ns.Runner, $"0x10000/0x{mask:x}"), Kept(keeper, mask, 0x10000));
            Assert.Equal(Listed(ns.Runner, $"0x20000/0x{mask:x}"), Kept(keeper, mask, 0x20000));
            Assert.Equal(6_000, Kept(keeper, mask, 0x10000));
            Assert.Equal(2_000, keeper.TryCount(mask)!.Where(c => c.SeenSource.Contains(':', StringComparison.Ordinal)).Sum(c => c.Count));
        }

        // With the default timings the resync follows the overrun by itself.
        using var automatic = ConntrackCountKeeper.TryStart(mask, ns.Name, ConntrackCountKeeper.Timings.Default with { ReceiveBuffer = 4096 })
            ?? throw new InvalidOperationException("no conntrack events");
        await Until(() => automatic.Seeded, "the first dump");
        Assert.Equal(12_000, ConntrackSeeder.Insert(ns.Name, Seeds(12_000, from: 12_000)));
        await Until(() => automatic.Overruns > 0, "an overrun");
        await Until(() => automatic.Resyncs >= 2 && Kept(automatic, mask, 0x10000) == 12_000, "the resync after the overrun", TimeSpan.FromSeconds(20));
        Assert.Equal(Listed(ns.Runner, $"0x20000/0x{mask:x}"), Kept(automatic, mask, 0x20000));
    }

    [Fact]
    public async Task Asked_under_another_mask_the_keeper_answers_nothing_until_a_resync_counted_under_it()
    {
        using var ns = TestNamespace.Create();
        Assert.Equal(300, ConntrackSeeder.Insert(ns.Name, Seeds(300)));
        using var keeper = ConntrackCountKeeper.TryStart(0x00ff0000, ns.Name) ?? throw new InvalidOperationException("no conntrack events");
        await Until(() => keeper.Seeded, "the first dump");
        Assert.Equal(150, Kept(keeper, 0x00ff0000, 0x10000));

        // A reload that moved Junction's bits: the caller dumps meanwhile (null here).
        Assert.Null(keeper.TryCount(0x000000ff));
        await Until(() => keeper.TryCount(0x000000ff) is not null, "a resync under the new mask");

        Assert.Equal(Listed(ns.Runner, "0x1/0xff"), Kept(keeper, 0x000000ff, 0x1));
        Assert.DoesNotContain(keeper.TryCount(0x000000ff)!, c => c.Mark == 0x10000);
    }

    /// <summary>Half on uplink 1 (IPv4), half on uplink 2, a third of those IPv6, each with its own SNAT address.</summary>
    private static IEnumerable<ConntrackSeed> Seeds(int count, int from = 0)
    {
        for (var i = from; i < from + count; i++)
        {
            var port = (ushort)(1024 + i % 50_000);
            var server = (ushort)(53 + i / 50_000);
            if (i % 2 == 0)
                yield return new ConntrackSeed(IPAddress.Parse("10.9.0.2"), port, IPAddress.Parse("198.51.100.7"), server, IPAddress.Parse("10.11.0.2"), 0x10000);
            else if (i % 3 == 0)
                yield return new ConntrackSeed(IPAddress.Parse("fd00:9::2"), port, IPAddress.Parse("2001:db8:99::7"), server, IPAddress.Parse("2001:db8:12::2"), 0x20000);
            else
                yield return new ConntrackSeed(IPAddress.Parse("10.9.0.2"), port, IPAddress.Parse("198.51.100.7"), server, IPAddress.Parse("10.12.0.2"), 0x20001);
        }
    }

    private static long Kept(ConntrackCountKeeper keeper, uint mask, uint mark) =>
        keeper.TryCount(mask)!.Where(c => c.Mark == mark).Sum(c => c.Count);

    /// <summary>
    /// Per uplink, the kept count once it equals what conntrack(8) lists with --mark (events
    /// arrive a moment after the fact), and, when <paramref name="expected"/> is given, once the
    /// kernel lists that many (closed connections take a while to expire); fails with both when
    /// they never agree.
    /// </summary>
    private static async Task<long[]> Matched(ConntrackCountKeeper keeper, CommandRunner router, JunctionModel model, long[]? expected = null)
    {
        long[] kept = [], listed = [];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(expected is null ? 5 : 30);
        while (DateTime.UtcNow < deadline)
        {
            listed = [.. Enumerable.Range(1, 3).Select(u => (long)Listed(router, $"0x{model.Marks.Value(u):x}/0x{model.Marks.Mask:x}"))];
            kept = [.. Enumerable.Range(1, 3).Select(u => Kept(keeper, model.Marks.Mask, model.Marks.Value(u)))];
            if (kept.SequenceEqual(listed) && (expected is null || listed.SequenceEqual(expected))) return kept;
            await Task.Delay(100, Cancel);
        }
        var want = expected is null ? "" : $" (expected {string.Join('/', expected)})";
        Assert.Fail($"kept counts {string.Join('/', kept)} never matched conntrack -L --mark's {string.Join('/', listed)}{want}");
        return kept;
    }

    private static async Task Until(Func<bool> done, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!done())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {(within ?? TimeSpan.FromSeconds(10)).TotalSeconds:0} s: {what}");
            await Task.Delay(20, Cancel);
        }
    }

    private static int Listed(CommandRunner ns, string mark) =>
        int.Parse(Shown().Match(ns.Run("conntrack", "-L", "--mark", mark).Stderr).Groups[1].Value);

    [GeneratedRegex(@"(\d+) flow entries have been shown")]
    private static partial Regex Shown();
}
