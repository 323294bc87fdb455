using System.Runtime.InteropServices;
using Junction.Linux.Interop;
using Junction.Linux.Namespaces;

namespace Junction.Linux.Nftables;

/// <summary>
/// nftables in this process through libnftables. In the process's own namespace one
/// context lives as long as the process (freeing one costs ~26 ms, creating a fresh one per
/// call costs that every time), and calls take turns on it: a context is not thread-safe.
/// For another namespace (tests, the lab) each call runs on a thread that joined it, with a
/// context of its own, so nothing keeps a namespace alive after it is deleted.
/// </summary>
public sealed class LibNftables : INftables
{
    private static readonly Lazy<LibNftables> Own = new(() => new LibNftables(NftContextHandle.Create()));

    private readonly NftContextHandle? _ctx;
    private readonly string? _netns;
    private readonly Lock _lock = new();

    private LibNftables(NftContextHandle ctx)
    {
        _ctx = ctx;
        Prepare(ctx);
    }

    private LibNftables(string netns) => _netns = netns;

    /// <summary>
    /// Creates the process-wide context now, while descriptor numbers are low (see
    /// <see cref="NftContextHandle.SelectLimit"/>): a daemon calls it before it serves anyone.
    /// </summary>
    public static void Open() => _ = Own.Value;

    /// <summary>The process-wide context for its own namespace, or one that runs each call in <paramref name="netns"/>.</summary>
    public static INftables For(string? netns) => netns is null ? Own.Value : new LibNftables(netns);

    public NftResult Run(string commands, bool json = false)
    {
        if (_ctx is not null)
            lock (_lock) return RunOn(_ctx, commands, json);
        return NamespaceThread.Run(_netns!, () =>
        {
            using var ctx = NftContextHandle.Create();
            Prepare(ctx);
            return RunOn(ctx, commands, json);
        });
    }

    private static void Prepare(NftContextHandle ctx)
    {
        if (Libnftables.BufferOutput(ctx) != 0 || Libnftables.BufferError(ctx) != 0)
            throw new InvalidOperationException("libnftables could not buffer its output");
    }

    private static NftResult RunOn(NftContextHandle ctx, string commands, bool json)
    {
        var flags = Libnftables.OutputGetFlags(ctx);
        Libnftables.OutputSetFlags(ctx, json ? flags | Libnftables.OutputJson : flags & ~Libnftables.OutputJson);
        var status = Libnftables.RunCmdFromBuffer(ctx, commands);
        // Reading a buffer also empties it for the next call.
        var output = Marshal.PtrToStringUTF8(Libnftables.GetOutputBuffer(ctx)) ?? "";
        var error = Marshal.PtrToStringUTF8(Libnftables.GetErrorBuffer(ctx)) ?? "";
        return new NftResult(status == 0, output, error);
    }
}
