using System.Net.Sockets;
using Junction.Linux.Interop;

namespace Junction.Linux.Namespaces;

/// <summary>
/// A name for the calling thread's network namespace that no other namespace gets while the
/// machine runs: its cookie (SO_NETNS_COOKIE, Linux 5.14), which unlike the namespace's inode
/// number is never reused. Files about one namespace's kernel state (a pending
/// <c>apply --confirm</c>) are named by it, so they can never be taken for another's.
/// </summary>
public static class NetnsKey
{
    public static string Current()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        Span<byte> cookie = stackalloc byte[8];
        try
        {
            if (socket.GetRawSocketOption(Libc.SolSocket, Libc.SoNetnsCookie, cookie) == 8) return $"netns{BitConverter.ToUInt64(cookie)}";
        }
        catch (SocketException)
        {
            // An older kernel: the inode, unique among the namespaces that exist now.
        }
        var link = new FileInfo("/proc/thread-self/ns/net").LinkTarget ?? throw new IOException("cannot read /proc/thread-self/ns/net");
        return "netns-ino" + new string([.. link.Where(char.IsAsciiDigit)]);
    }
}
