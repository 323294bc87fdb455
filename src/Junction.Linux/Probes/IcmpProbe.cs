using System.Buffers.Binary;
using System.Net.Sockets;
using Junction.Health;
using Junction.Linux.Interop;
using Junction.Model;

namespace Junction.Linux.Probes;

/// <summary>
/// ICMP / ICMPv6 echo over a raw socket. Raw rather than the unprivileged datagram
/// "ping" socket because the latter is refused unless net.ipv4.ping_group_range admits
/// the caller, and its default in every new network namespace ("1 0") admits nobody;
/// the daemon runs as root and has CAP_NET_RAW anyway. A raw socket sees every echo
/// reply arriving on the device, so replies are matched by source, identifier and sequence.
/// <para>
/// One socket per family is kept open and shared by every probe of the uplink
/// (<see cref="EchoSocket"/>): a healthy uplink probed five times a second makes no socket
/// at all in steady state, where one per probe cost a socket, two setsockopt calls, an
/// epoll registration and a close each time. A socket is replaced after a probe through it
/// fails (the interface may have been deleted and made again: the binding holds its old
/// index) and closed once unused for <see cref="EchoSocket.IdleClose"/>.
/// </para>
/// </summary>
public sealed class IcmpProbe(ProbeBinding binding, TimeProvider time) : IProbe
{
    internal const byte EchoRequest4 = 8, EchoReply4 = 0, EchoRequest6 = 128, EchoReply6 = 129;
    private static int _sequence = Random.Shared.Next();
    private readonly Lock _gate = new();
    private EchoSocket? _v4, _v6;

    public Task<ProbeResult> SendAsync(ProbeTarget target, TimeSpan timeout, CancellationToken cancel)
    {
        var v6 = target.Address.AddressFamily == AddressFamily.InterNetworkV6;
        var n = (uint)Interlocked.Increment(ref _sequence);
        var id = (ushort)(n >> 16 ^ Environment.ProcessId);
        var seq = (ushort)n;
        // A socket closed (idle, or replaced) between taking it and sending is taken again.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            EchoSocket socket;
            try
            {
                socket = Current(v6);
            }
            catch (Exception e) when (e is SyscallException or SocketException)
            {
                return Task.FromResult(ProbeResult.Failed(target, e.Message));
            }
            if (socket.TrySend(target, id, seq, timeout, cancel) is { } sent) return sent;
        }
        return Task.FromResult(ProbeResult.Failed(target, "the probe socket kept closing"));
    }

    /// <summary>The open socket of this family, made now (in the calling thread's network namespace) when there is none.</summary>
    private EchoSocket Current(bool v6)
    {
        lock (_gate)
        {
            ref var slot = ref v6 ? ref _v6 : ref _v4;
            if (slot is { Usable: true } open) return open;
            var socket = ProbeSockets.Create(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Raw,
                v6 ? ProtocolType.IcmpV6 : ProtocolType.Icmp, binding);
            return slot = new EchoSocket(socket, v6, time);
        }
    }

    internal static byte[] Echo(byte type, ushort id, ushort seq, bool v6)
    {
        var packet = new byte[EchoLength];
        Echo(packet, type, id, seq, v6);
        return packet;
    }

    internal const int EchoLength = 8 + 16;

    internal static void Echo(Span<byte> packet, byte type, ushort id, ushort seq, bool v6)
    {
        packet.Clear();
        packet[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(packet[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(packet[6..], seq);
        "junction-probe\0\0"u8.CopyTo(packet[8..]);
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
        if (data.Length < 8 || data[0] != (v6 ? EchoReply6 : EchoReply4)) return false;
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
