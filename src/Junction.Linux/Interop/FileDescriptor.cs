using System.Runtime.InteropServices;

namespace Junction.Linux.Interop;

/// <summary>Owns a raw file descriptor (a netlink socket) and closes it exactly once.</summary>
internal sealed partial class FileDescriptor : SafeHandle
{
    public FileDescriptor() : base(-1, ownsHandle: true) { }

    public FileDescriptor(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle < 0;

    protected override bool ReleaseHandle() => Close((int)handle) == 0;

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
