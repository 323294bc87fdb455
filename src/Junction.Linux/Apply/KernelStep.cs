using Junction.Linux.Apply.Routing;
using Junction.Linux.Processes;

namespace Junction.Linux.Apply;

/// <summary>The kinds of step that can share one request to the kernel.</summary>
internal enum BatchKind
{
    /// <summary>Alone: an nftables transaction, or a tool's command.</summary>
    None,

    /// <summary>Rules and routes, both families: one send of rtnetlink requests.</summary>
    Routing,

    /// <summary>Sysctls: written one after the other on one thread in the namespace.</summary>
    Sysctl,
}

/// <summary>
/// One change and how it is made; each is atomic in the kernel. Neighbouring steps of one
/// <see cref="Kind"/> go to the kernel together (see <see cref="KernelBatch"/>); <see cref="Run"/>
/// makes one alone (rollback does). Made in this process: an nftables transaction
/// (<see cref="NftScript"/>), a rule or route over rtnetlink (<see cref="RoutingChange"/>), a
/// sysctl written under /proc/sys (<see cref="SysctlSetting"/>). A step with none of them runs
/// <see cref="Program"/> through the runner (tests use that to make the kernel refuse something).
/// </summary>
internal sealed record KernelStep(Change Change, string Program, IReadOnlyList<string> Args, string? Stdin = null)
{
    public string? NftScript { get; init; }

    public RoutingRequest? RoutingChange { get; init; }

    public (string Key, string Value)? SysctlSetting { get; init; }

    public BatchKind Kind => RoutingChange is not null ? BatchKind.Routing : SysctlSetting is not null ? BatchKind.Sysctl : BatchKind.None;

    public static KernelStep Nftables(Change change, string script) => new(change, "nft", ["-f", "-"]) { NftScript = script };

    public static KernelStep Routing(Change change, RoutingRequest request) => new(change, "ip", []) { RoutingChange = request };

    public static KernelStep Sysctl(Change change, string key, string value) => new(change, "sysctl", []) { SysctlSetting = (key, value) };

    /// <exception cref="CommandFailedException">the tool refused.</exception>
    /// <exception cref="Interop.KernelCallException">the kernel refused.</exception>
    public void Run(KernelIo io)
    {
        if (NftScript is not null) io.Nft.Run(NftScript).Check("nftables");
        else if (Kind != BatchKind.None)
        {
            if (KernelBatch.Run(io, [this]) is { } failure) throw new KernelRefusedException(failure.Reason);
        }
        else io.Runner.Run(Program, Args, Stdin).Check();
    }
}

/// <summary>The kernel refused one step; the message is its reason.</summary>
internal sealed class KernelRefusedException(string reason) : Interop.KernelCallException(reason);
