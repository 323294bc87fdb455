using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Junction.Health;
using Junction.Linux.Interop;
using Junction.Model;
using static Junction.Linux.Interop.ProbeCalls;

namespace Junction.Linux.Probes;

/// <summary>
/// ICMP / ICMPv6 echo over a raw socket. Raw rather than the unprivileged datagram
/// "ping" socket because the latter is refused unless net.ipv4.ping_group_range admits
/// the caller, and its default in every new network namespace ("1 0") admits nobody;
/// the daemon runs as root and has CAP_NET_RAW anyway. A raw socket sees every echo
/// reply arriving on the device, so replies are matched by source, identifier and sequence.
/// </summary>
public sealed class IcmpProbe(ProbeBinding binding, TimeProvider time) : IProbe
{
    private static int _sequence = Random.Shared.Next();

    public Task<ProbeResult> SendAsync(ProbeTarget target, TimeSpan timeout, CancellationToken cancel)
    {
        var v6 = target.Address.AddressFamily == AddressFamily.InterNetworkV6;
        Socket socket;
        try
        {
            socket = ProbeSockets.Create(target.Address.AddressFamily, SocketType.Raw, v6 ? ProtocolType.IcmpV6 : ProtocolType.Icmp, binding);
        }
        catch (Exception e) when (e is SyscallException or SocketException)
        {
            return Task.FromResult(ProbeResult.Failed(target, e.Message));
        }
        return EchoAsync(socket, target, v6, timeout, cancel);
    }

    private async Task<ProbeResult> EchoAsync(Socket socket, ProbeTarget target, bool v6, TimeSpan timeout, CancellationToken cancel)
    {
        using var _ = socket;
        var n = (uint)Interlocked.Increment(ref _sequence);
        var id = (ushort)(n >> 16 ^ Environment.ProcessId);
        var seq = (ushort)n;
        var request = Echo(v6 ? Icmpv6EchoRequest : IcmpEcho, id, seq, v6);

        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancel);
        var started = time.GetTimestamp();
        try
        {
            await socket.SendToAsync(request, SocketFlags.None, new IPEndPoint(target.Address, 0), linked.Token).ConfigureAwait(false);
            var buffer = new byte[1500];
            var any = new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            while (true)
            {
                var got = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, linked.Token).ConfigureAwait(false);
                if (got.RemoteEndPoint is IPEndPoint from && from.Address.Equals(target.Address)
                    && IsReply(buffer.AsSpan(0, got.ReceivedBytes), v6, id, seq))
                    return ProbeResult.Ok(target, time.GetElapsedTime(started));
            }
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return ProbeResult.Failed(target, $"no echo reply within {timeout.TotalMilliseconds:0} ms");
        }
        catch (SocketException e)
        {
            return ProbeResult.Failed(target, e.Message);
        }
    }

    /// <summary>Bytes of an echo request: the ICMP header and a 16-byte payload.</summary>
    internal const int PacketSize = IcmpEchoHeaderLength + 16;

    internal static byte[] Echo(byte type, ushort id, ushort seq, bool v6)
    {
        var packet = new byte[PacketSize];
        Write(packet, type, id, seq, v6);
        return packet;
    }

    /// <summary>An echo request into <paramref name="packet"/> (<see cref="PacketSize"/> bytes).</summary>
    internal static void Write(Span<byte> packet, ushort id, ushort seq, bool v6) =>
        Write(packet, v6 ? Icmpv6EchoRequest : IcmpEcho, id, seq, v6);

    private static void Write(Span<byte> packet, byte type, ushort id, ushort seq, bool v6)
    {
        packet.Clear();
        packet[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(packet[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(packet[6..], seq);
        "junction-probe\0\0"u8.CopyTo(packet[IcmpEchoHeaderLength..]);
        // The kernel fills in the ICMPv6 checksum (it covers a pseudo-header we do not see).
        if (!v6) BinaryPrimitives.WriteUInt16BigEndian(packet[2..], Checksum(packet));
    }

    /// <summary>An IPv4 raw socket hands over the IP header too; an ICMPv6 one does not.</summary>
    internal static bool IsReply(ReadOnlySpan<byte> data, bool v6, ushort id, ushort seq) =>
        TryReadReply(data, v6, out var gotId, out var gotSeq) && gotId == id && gotSeq == seq;

    /// <summary>The identifier and sequence of an echo reply; false for anything else.</summary>
    internal static bool TryReadReply(ReadOnlySpan<byte> data, bool v6, out ushort id, out ushort seq)
    {
        id = seq = 0;
        if (!v6)
        {
            if (data.Length < 20) return false;
            data = data[((data[0] & 0x0f) * 4)..];
        }
        if (data.Length < IcmpEchoHeaderLength || data[0] != (v6 ? Icmpv6EchoReply : IcmpEchoReply)) return false;
        id = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        seq = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        return true;
    }

    internal static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1) sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
