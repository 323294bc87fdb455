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

    private const int AtFdcwd = -100, AtSymlinkNofollow = 0x100;
    /// <summary>STATX_TYPE: only the file type of stx_mode is asked for.</summary>
    private const uint StatxType = 0x1;
    /// <summary>S_IFMT and the file types it selects (sys/stat.h).</summary>
    private const int SIfmt = 0xF000, SIfsock = 0xC000, SIfreg = 0x8000, SIfdir = 0x4000, SIflnk = 0xA000;
    /// <summary>struct statx is the same on every architecture: 256 bytes, stx_mode a __u16 at offset 28.</summary>
    private const int StatxLength = 256, StxModeOffset = 28;

    public static Kind Of(string path)
    {
        var buffer = new byte[StatxLength];
        if (Statx(AtFdcwd, path, AtSymlinkNofollow, StatxType, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Libc.Enoent or Libc.Enotdir) return Kind.Missing;
            throw new SyscallException($"statx({path})", errno);
        }
        return (BitConverter.ToUInt16(buffer, StxModeOffset) & SIfmt) switch
        {
            SIfsock => Kind.Socket,
            SIfreg => Kind.Regular,
            SIfdir => Kind.Directory,
            SIflnk => Kind.Symlink,
            _ => Kind.Other,
        };
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte[] buffer);
}
