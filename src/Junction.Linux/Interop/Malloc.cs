using System.Runtime.InteropServices;

namespace Junction.Linux.Interop;

/// <summary>glibc's allocator settings the daemon adjusts for its footprint.</summary>
public static partial class Malloc
{
    /// <summary>mallopt's M_ARENA_MAX: how many malloc arenas glibc may create.</summary>
    private const int ArenaMax = -8;

    /// <summary>
    /// One malloc arena for the whole process. glibc gives threads that malloc at the same time
    /// arenas of their own (up to 8 per core), each keeping freed memory for reuse: the daemon's
    /// few native allocations (libnftables, OpenSSL's hash) do not need the speed, and each
    /// arena held about 1 MiB resident. Same as MALLOC_ARENA_MAX=1; false if glibc refused.
    /// </summary>
    public static bool OneArena() => MallOpt(ArenaMax, 1) == 1;

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int parameter, int value);
}
