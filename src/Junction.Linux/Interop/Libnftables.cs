using System.Runtime.InteropServices;

namespace Junction.Linux.Interop;

/// <summary>
/// libnftables (nftables/libnftables.h, the library behind nft(8), in Debian's libnftables1):
/// one context runs command text in one transaction per call and writes its output and
/// errors into buffers of its own.
/// </summary>
internal static partial class Libnftables
{
    public const string Library = "libnftables.so.1";

    public const uint CtxDefault = 0;
    /// <summary>NFT_CTX_OUTPUT_JSON: list commands print JSON.</summary>
    public const uint OutputJson = 1 << 4;

    [LibraryImport(Library, EntryPoint = "nft_ctx_new")]
    public static partial nint CtxNew(uint flags);

    [LibraryImport(Library, EntryPoint = "nft_ctx_free")]
    public static partial void CtxFree(nint ctx);

    [LibraryImport(Library, EntryPoint = "nft_ctx_output_get_flags")]
    public static partial uint OutputGetFlags(NftContextHandle ctx);

    [LibraryImport(Library, EntryPoint = "nft_ctx_output_set_flags")]
    public static partial void OutputSetFlags(NftContextHandle ctx, uint flags);

    [LibraryImport(Library, EntryPoint = "nft_ctx_buffer_output")]
    public static partial int BufferOutput(NftContextHandle ctx);

    [LibraryImport(Library, EntryPoint = "nft_ctx_buffer_error")]
    public static partial int BufferError(NftContextHandle ctx);

    /// <summary>The text written since the last call (the buffer is reset by reading it).</summary>
    [LibraryImport(Library, EntryPoint = "nft_ctx_get_output_buffer")]
    public static partial nint GetOutputBuffer(NftContextHandle ctx);

    [LibraryImport(Library, EntryPoint = "nft_ctx_get_error_buffer")]
    public static partial nint GetErrorBuffer(NftContextHandle ctx);

    [LibraryImport(Library, EntryPoint = "nft_run_cmd_from_buffer", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RunCmdFromBuffer(NftContextHandle ctx, string buffer);
}

/// <summary>Owns one libnftables context (and the netlink socket inside it); frees it exactly once.</summary>
internal sealed class NftContextHandle : SafeHandle
{
    public NftContextHandle() : base(0, ownsHandle: true) { }

    public override bool IsInvalid => handle == 0;

    /// <summary>
    /// libnftables waits for the kernel's answers with select(2) on its netlink socket, and
    /// glibc aborts the whole process when that descriptor is FD_SETSIZE (1024) or above; the
    /// socket is opened in nft_ctx_new and takes the lowest free number.
    /// </summary>
    public const int SelectLimit = 1024;

    /// <exception cref="InvalidOperationException">no descriptor below <see cref="SelectLimit"/> is free, or libnftables failed.</exception>
    public static NftContextHandle Create()
    {
        // A context whose socket lands at 1024 or above would abort the process at its first
        // command: refuse it with an error the caller can report instead.
        using (var probe = File.OpenHandle("/dev/null"))
        {
            var next = (long)probe.DangerousGetHandle();
            if (next >= SelectLimit - 8)
                throw new InvalidOperationException(
                    $"libnftables needs a file descriptor below {SelectLimit} and the lowest free one is {next}: too many files are open");
        }
        var ctx = new NftContextHandle();
        ctx.SetHandle(Libnftables.CtxNew(Libnftables.CtxDefault));
        if (ctx.IsInvalid) throw new InvalidOperationException("nft_ctx_new failed (out of memory?)");
        return ctx;
    }

    protected override bool ReleaseHandle()
    {
        Libnftables.CtxFree(handle);
        return true;
    }
}
