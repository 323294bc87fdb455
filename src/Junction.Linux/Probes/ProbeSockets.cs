using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Junction.Linux.Interop;

namespace Junction.Linux.Probes;

/// <summary>Makes probe sockets carrying their uplink's device binding and mark.</summary>
internal static partial class ProbeSockets
{
    private const int SolSocket = 1;
    private const int SoBindToDevice = 25;
    private const int SoMark = 36;

    /// <summary>
    /// A socket in the calling thread's network namespace, bound to the uplink. Setting
    /// SO_BINDTODEVICE and SO_MARK needs CAP_NET_RAW / CAP_NET_ADMIN: the daemon runs as root.
    /// </summary>
    public static Socket Create(AddressFamily family, SocketType type, ProtocolType protocol, ProbeBinding binding)
    {
        var socket = new Socket(family, type, protocol);
        try
        {
            Bind(socket, binding);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static unsafe void Bind(Socket socket, ProbeBinding binding)
    {
        var name = Encoding.ASCII.GetBytes(binding.Interface + "\0");
        fixed (byte* p = name)
            if (SetSockOpt(socket.SafeHandle, SolSocket, SoBindToDevice, p, name.Length) != 0)
                throw SyscallException.Last($"setsockopt(SO_BINDTODEVICE, {binding.Interface})");
        var mark = binding.Mark;
        if (SetSockOpt(socket.SafeHandle, SolSocket, SoMark, (byte*)&mark, sizeof(uint)) != 0)
            throw SyscallException.Last($"setsockopt(SO_MARK, 0x{binding.Mark:x8})");
    }

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static unsafe partial int SetSockOpt(SafeSocketHandle fd, int level, int name, byte* value, int length);
}
