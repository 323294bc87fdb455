using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Junction.Linux.Interop;

namespace Junction.Linux.Probes;

/// <summary>An address as the kernel takes it (<c>sockaddr_in</c> / <c>sockaddr_in6</c>), made once per target.</summary>
internal static class SockAddr
{
    public const int Size4 = 16, Size6 = 28;

    public static byte[] Of(IPAddress address, int port)
    {
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var bytes = new byte[v6 ? Size6 : Size4];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 2), (ushort)(v6 ? ProbeCalls.AfInet6 : ProbeCalls.AfInet));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)port);
        address.TryWriteBytes(Address(bytes), out _);
        if (v6) BitConverter.TryWriteBytes(bytes.AsSpan(24, 4), (uint)address.ScopeId);
        return bytes;
    }

    /// <summary>The address bytes inside a sockaddr made by <see cref="Of"/>.</summary>
    public static Span<byte> Address(byte[] sockaddr) => sockaddr.Length == Size6 ? sockaddr.AsSpan(8, 16) : sockaddr.AsSpan(4, 4);
}
