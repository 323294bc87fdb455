using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Junction.Linux.Interop;
using static Junction.Linux.Interop.ProbeCalls;

namespace Junction.Linux.Probes;

/// <summary>An address as the kernel takes it (<c>sockaddr_in</c> / <c>sockaddr_in6</c>), made once per target.</summary>
internal static class SockAddr
{
    public static byte[] Of(IPAddress address, int port)
    {
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var bytes = new byte[v6 ? SockaddrIn6Length : SockaddrInLength];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 2), (ushort)(v6 ? Libc.AfInet6 : Libc.AfInet));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)port);
        address.TryWriteBytes(Address(bytes), out _);
        if (v6) BitConverter.TryWriteBytes(bytes.AsSpan(Sin6ScopeIdOffset, 4), (uint)address.ScopeId);
        return bytes;
    }

    /// <summary>The address bytes inside a sockaddr made by <see cref="Of"/>.</summary>
    public static Span<byte> Address(byte[] sockaddr) => sockaddr.Length == SockaddrIn6Length ? sockaddr.AsSpan(Sin6AddrOffset, 16) : sockaddr.AsSpan(SinAddrOffset, 4);

    /// <summary>The address bytes of a sockaddr the kernel filled in (recvfrom's source).</summary>
    public static unsafe ReadOnlySpan<byte> Address(byte* sockaddr, bool v6) =>
        v6 ? new ReadOnlySpan<byte>(sockaddr + Sin6AddrOffset, 16) : new ReadOnlySpan<byte>(sockaddr + SinAddrOffset, 4);
}
