using System.Runtime.InteropServices;

namespace Junction.Linux.Interop;

/// <summary>
/// The process's limit on open file descriptors (RLIMIT_NOFILE). The daemon raises its soft
/// limit to the hard one at start: the listeners' connection limits stay far below it, so
/// what is left is the probes', the applier's pipes' and the netlink sockets' reserve.
/// (The JIT runtime does this by itself; a NativeAOT binary does not.)
/// </summary>
public static partial class FileLimit
{
    private const int RlimitNofile = 7;

    /// <summary>Raises the soft limit to the hard limit; returns the limit now in force.</summary>
    public static ulong RaiseSoftToHard()
    {
        var limit = new Rlimit();
        if (GetRlimit(RlimitNofile, ref limit) != 0) throw SyscallException.Last("getrlimit(RLIMIT_NOFILE)");
        if (limit.Soft == limit.Hard) return limit.Soft;
        var raised = limit with { Soft = limit.Hard };
        if (SetRlimit(RlimitNofile, ref raised) != 0) throw SyscallException.Last("setrlimit(RLIMIT_NOFILE)");
        return raised.Soft;
    }

    // struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; }: rlim_t is an unsigned long.
    [StructLayout(LayoutKind.Sequential)]
    private record struct Rlimit(nuint Soft, nuint Hard);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRlimit(int resource, ref Rlimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRlimit(int resource, ref Rlimit limit);
}
