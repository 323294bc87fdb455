using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Linux.Netlink;

namespace Junction.Kernel.Tests.Netlink;

/// <summary>The watcher tells Junction's own table apart from every other nftables table by the name in each notice.</summary>
public sealed class KernelChangeWatcherTests
{
    [Fact]
    public async Task Only_a_change_of_the_watched_table_is_signalled()
    {
        using var ns = TestNamespace.Create();
        using var watcher = KernelChangeWatcher.Open("junction", ns.Name);
        watcher.Watch(new KernelChangeWatcher.Scope(RangeSet.Empty, RangeSet.Empty));

        // Names that share a prefix with it, or are it with more after, are other tables.
        ns.Run("nft", "add", "table", "inet", "junctio");
        ns.Run("nft", "add", "table", "inet", "junction2");
        ns.Run("nft", "add", "chain", "inet", "junction2", "c");
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.False(watcher.Changes.TryRead(out var early), $"signalled for another table: {early?.What}");

        ns.Run("nft", "add", "table", "inet", "junction");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var change = await watcher.Changes.ReadAsync(timeout.Token);
        Assert.Equal("nftables table junction changed", change.What);
    }
}
