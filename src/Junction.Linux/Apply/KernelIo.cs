using Junction.Linux.Nftables;
using Junction.Linux.Processes;

namespace Junction.Linux.Apply;

/// <summary>
/// The kernel services the applier reads and writes through, all in the namespace the
/// runner points at: nftables in process (libnftables); rules, routes and sysctls still
/// through the runner's tools.
/// </summary>
internal sealed class KernelIo(CommandRunner runner, INftables nft)
{
    public KernelIo(CommandRunner runner) : this(runner, LibNftables.For(runner.Netns)) { }

    public CommandRunner Runner { get; } = runner;

    public INftables Nft { get; } = nft;
}
