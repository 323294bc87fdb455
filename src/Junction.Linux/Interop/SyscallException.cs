using System.Runtime.InteropServices;

namespace Junction.Linux.Interop;

/// <summary>A system call failed; names the call and carries errno, so logs say which one and why.</summary>
public sealed class SyscallException(string call, int errno)
    : KernelCallException($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
{
    public int Errno { get; } = errno;

    /// <summary>Builds the exception from the errno the last LibraryImport call with SetLastError saved.</summary>
    public static SyscallException Last(string call) => new(call, Marshal.GetLastPInvokeError());
}
