using System.Net.Sockets;

namespace Junction.Linux.Interop;

/// <summary>Who is at the other end of a connected Unix socket.</summary>
public static class UnixPeer
{
    /// <summary>The peer's pid (SO_PEERCRED), or null when the kernel does not say.</summary>
    public static int? Pid(Socket socket)
    {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        Span<byte> cred = stackalloc byte[12];
        return socket.GetRawSocketOption(Libc.SolSocket, Libc.SoPeercred, cred) >= 4 && BitConverter.ToInt32(cred) is > 0 and var p ? p : null;
    }
}
