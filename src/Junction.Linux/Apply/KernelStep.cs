using Junction.Linux.Processes;

namespace Junction.Linux.Apply;

/// <summary>
/// One change and the single command that makes it; each command is atomic in the kernel.
/// <see cref="Batch"/>, when set, says how the same change is written as one line of a
/// command that makes several (see <see cref="KernelBatch"/>), so that neighbouring steps of
/// one kind share a process; <see cref="Run"/> still makes it alone (rollback does).
/// A step whose <see cref="NftScript"/> is set runs through libnftables, in this process.
/// </summary>
internal sealed record KernelStep(Change Change, string Program, IReadOnlyList<string> Args, string? Stdin = null)
{
    public BatchLine? Batch { get; init; }

    /// <summary>nftables commands, run as one transaction.</summary>
    public string? NftScript { get; init; }

    public static KernelStep Nftables(Change change, string script) => new(change, "nft", ["-f", "-"]) { NftScript = script };

    /// <exception cref="CommandFailedException">the tool refused.</exception>
    /// <exception cref="Junction.Linux.Nftables.NftablesException">nftables refused.</exception>
    public void Run(KernelIo io)
    {
        if (NftScript is not null) io.Nft.Run(NftScript).Check("nftables");
        else io.Runner.Run(Program, Args, Stdin).Check();
    }
}
