using System.Runtime.InteropServices;

namespace Junction.Linux.Interop;

/// <summary>
/// What a path names, read with <c>statx(AT_SYMLINK_NOFOLLOW)</c>: .NET tells files from
/// directories but not a socket from a regular file, and a daemon that removes a "stale
/// socket" must never remove anything else.
/// </summary>
public static partial class FileKind
{
    public enum Kind { Missing, Socket, Regular, Directory, Symlink, Other }

    public static Kind Of(string path)
    {
        // struct statx is the same on every architecture: stx_mode is a __u16 at offset 28.
        var buffer = new byte[256];
        const int atFdcwd = -100, atSymlinkNofollow = 0x100, statxType = 0x1;
        if (Statx(atFdcwd, path, atSymlinkNofollow, statxType, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            const int enoent = 2, enotdir = 20;
            if (errno is enoent or enotdir) return Kind.Missing;
            throw new SyscallException($"statx({path})", errno);
        }
        return (BitConverter.ToUInt16(buffer, 28) & 0xF000) switch
        {
            0xC000 => Kind.Socket,
            0x8000 => Kind.Regular,
            0x4000 => Kind.Directory,
            0xA000 => Kind.Symlink,
            _ => Kind.Other,
        };
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte[] buffer);
}
