using Junction.Linux.Apply.Routing;
using Junction.Linux.Namespaces;
using Junction.Linux.Netlink;
using Junction.Linux.Nftables;
using Junction.Linux.Processes;

namespace Junction.Linux.Apply;

/// <summary>
/// The kernel services the applier reads and writes through, all in the namespace the
/// runner points at, all in this process: nftables through libnftables, rules and routes
/// through rtnetlink, sysctls under /proc/sys. The runner only names the namespace (and runs
/// a tool for a test that asks for one).
/// </summary>
internal sealed class KernelIo(CommandRunner runner, INftables nft)
{
    public KernelIo(CommandRunner runner) : this(runner, LibNftables.For(runner.Netns)) { }

    public CommandRunner Runner { get; } = runner;

    public INftables Nft { get; } = nft;

    private RtnetlinkClient? _rtnetlink;
    private NftGeneration? _generation;
    private RoutingNotices? _notices;
    private SideWorker? _side;

    public RtnetlinkClient Rtnetlink => LazyInitializer.EnsureInitialized(ref _rtnetlink, () => RtnetlinkClient.Open(Runner.Netns));

    /// <summary>The nftables ruleset generation, read over its own netlink socket.</summary>
    public NftGeneration Generation => LazyInitializer.EnsureInitialized(ref _generation, () => NftGeneration.Open(Runner.Netns));

    /// <summary>A thread beside the caller's, in its namespace, started the first time this is asked (see <see cref="SideWorker"/>).</summary>
    public SideWorker Side => LazyInitializer.EnsureInitialized(ref _side, () => new SideWorker("kernel I/O beside the applier"));

    /// <summary>Rule and route notifications, subscribed the first time this is asked (before the kernel is read).</summary>
    public RoutingNotices Notices => LazyInitializer.EnsureInitialized(ref _notices, () => RoutingNotices.Open(Runner.Netns));
}
