using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Junction.Linux.Interop;
using Junction.Linux.Namespaces;

namespace Junction.Linux.Netlink;

/// <summary>What a dump hands its caller for each message: the message type and what follows nlmsghdr.</summary>
internal interface INetlinkVisitor
{
    void Visit(ushort type, ReadOnlySpan<byte> payload);
}

/// <summary>The kernel's answer to one request of an acknowledged batch: errno 0 is success.</summary>
internal readonly record struct NetlinkAck(int Errno, string? Message);

/// <summary>
/// An AF_NETLINK socket for requests to the kernel (a <see cref="FileDescriptor"/> owns it)
/// with one receive buffer reused for every answer. A socket belongs to the network
/// namespace it was opened in, for life, whichever thread uses it later. Not thread-safe:
/// its owner serialises use.
/// </summary>
internal sealed unsafe class NetlinkSocket : IDisposable
{
    // The kernel sizes a dump's datagrams by the largest read it has seen (up to 32 KiB).
    private const int BufferSize = 64 * 1024;

    /// <summary>How long a request waits for the kernel's next answer.</summary>
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(5);

    private readonly FileDescriptor _fd;
    private readonly string _what;
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private uint _sequence = (uint)Environment.TickCount;

    private NetlinkSocket(FileDescriptor fd, string what)
    {
        _fd = fd;
        _what = what;
    }

    /// <summary>Opens a socket of this netlink protocol in <paramref name="netns"/> (null: this process's namespace).</summary>
    public static NetlinkSocket Open(int protocol, string what, string? netns = null, int receiveBuffer = 1 << 20) =>
        NamespaceThread.In(netns, () => OpenHere(protocol, what, receiveBuffer));

    private static NetlinkSocket OpenHere(int protocol, string what, int receiveBuffer)
    {
        var fd = new FileDescriptor(Libc.Socket(Libc.AfNetlink, Libc.SockRaw | Libc.SockCloexec, protocol));
        if (fd.IsInvalid) throw SyscallException.Last($"socket(AF_NETLINK, {what})");
        try
        {
            var one = 1;
            // Errors carry the kernel's explanation, and not a copy of the whole request.
            Libc.SetSockOpt(fd, NetlinkAbi.SolNetlink, NetlinkAbi.ExtAck, &one, sizeof(int));
            Libc.SetSockOpt(fd, NetlinkAbi.SolNetlink, NetlinkAbi.CapAck, &one, sizeof(int));
            var size = receiveBuffer;
            if (Libc.SetSockOpt(fd, Libc.SolSocket, Libc.SoRcvbuf, &size, sizeof(int)) != 0)
                throw SyscallException.Last($"setsockopt(SO_RCVBUF, {what})");
            // The kernel answers every request at once; an answer that never comes (a lost
            // reply) is an error after this long, not a daemon stuck for ever.
            var timeout = new Libc.Timeval { Seconds = (long)ReplyTimeout.TotalSeconds };
            if (Libc.SetSockOpt(fd, Libc.SolSocket, Libc.SoRcvtimeo, &timeout, sizeof(Libc.Timeval)) != 0)
                throw SyscallException.Last($"setsockopt(SO_RCVTIMEO, {what})");
            var address = new Libc.SockaddrNl { Family = Libc.AfNetlink };
            if (Libc.Bind(fd, &address, sizeof(Libc.SockaddrNl)) != 0) throw SyscallException.Last($"bind(AF_NETLINK, {what})");
            return new NetlinkSocket(fd, what);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Asks the kernel to check dump requests strictly and to honour their filters
    /// (NETLINK_GET_STRICT_CHK, Linux 4.20): a route dump for one table then walks that table
    /// alone. False when the kernel does not know the option: it then dumps everything.
    /// </summary>
    public bool TryStrictCheck()
    {
        var one = 1;
        return Libc.SetSockOpt(_fd, NetlinkAbi.SolNetlink, NetlinkAbi.GetStrictCheck, &one, sizeof(int)) == 0;
    }

    /// <summary>A fresh sequence number for a request (or the first of a batch).</summary>
    public uint Next(int count = 1)
    {
        var first = _sequence;
        _sequence += (uint)count;
        return first;
    }

    /// <summary>
    /// Sends one dump request and hands every message of the answer to the visitor, in place
    /// from the receive buffer. Throws <see cref="NetlinkException"/> when the kernel refuses.
    /// Returns false when the kernel says the dump was interrupted by a change (NLM_F_DUMP_INTR).
    /// <paramref name="beforeReceive"/> runs before each read of the answer (the kernel fills
    /// each part of a dump as it is read), so a caller can interleave other work with a long dump.
    /// </summary>
    public bool Dump<T>(NetlinkMessageWriter request, uint sequence, string what, ref T visitor, Action? beforeReceive = null) where T : struct, INetlinkVisitor
    {
        Send(request.Written, what);
        var consistent = true;
        while (true)
        {
            beforeReceive?.Invoke();
            foreach (var message in new NetlinkMessages(Receive(what)))
            {
                if (message.Sequence != sequence) continue;
                var payload = message.Payload;
                if ((message.Flags & NetlinkAbi.DumpInterrupted) != 0) consistent = false;
                switch (message.Type)
                {
                    case NetlinkAbi.Done:
                        var status = payload.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(payload) : 0;
                        if (status < 0) throw new NetlinkException(what, -status, ErrorText(message.Flags, payload, 4));
                        return consistent;
                    case NetlinkAbi.Error:
                        var errno = payload.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(payload) : 0;
                        if (errno != 0) throw new NetlinkException(what, errno, ErrorText(message.Flags, payload, 4 + NetlinkAbi.HeaderLength));
                        return consistent;
                    case NetlinkAbi.Noop or NetlinkAbi.Overrun:
                        continue;
                    default:
                        visitor.Visit(message.Type, payload);
                        break;
                }
            }
        }
    }

    /// <summary>
    /// Sends every request in <paramref name="batch"/> (each asked NLM_F_ACK, sequences from
    /// <paramref name="first"/> on) in one send and collects one answer per request. The
    /// kernel carries on past a request it refuses, so every answer is read and returned.
    /// </summary>
    public NetlinkAck[] Transact(NetlinkMessageWriter batch, uint first, string what)
    {
        var count = batch.Messages;
        var acks = new NetlinkAck?[count];
        var answered = 0;
        Send(batch.Written, what);
        while (answered < count)
        {
            foreach (var message in new NetlinkMessages(Receive(what)))
            {
                var index = (long)message.Sequence - first;
                if (message.Type != NetlinkAbi.Error || index < 0 || index >= count || acks[index] is not null) continue;
                var payload = message.Payload;
                var errno = payload.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(payload) : 0;
                acks[index] = new NetlinkAck(errno, errno == 0 ? null : ErrorText(message.Flags, payload, 4 + NetlinkAbi.HeaderLength));
                answered++;
            }
        }
        return [.. acks.Select(a => a!.Value)];
    }

    /// <summary>NLMSGERR_ATTR_MSG from an extended ACK: the TLVs follow the error code and the (capped) request header.</summary>
    private static string? ErrorText(ushort flags, ReadOnlySpan<byte> payload, int tlvsAt)
    {
        if ((flags & NetlinkAbi.AckTlvs) == 0 || payload.Length <= tlvsAt) return null;
        var message = NetlinkAttributes.Find(payload[tlvsAt..], NetlinkAbi.ErrorAttributeMessage);
        return message.IsEmpty ? null : NetlinkAttributes.CString(message);
    }

    private void Send(ReadOnlySpan<byte> data, string what)
    {
        fixed (byte* p = data)
        {
            while (true)
            {
                var n = Libc.Send(_fd, p, data.Length, 0);
                if (n == data.Length) return;
                if (n < 0 && Marshal.GetLastPInvokeError() == Libc.Eintr) continue;
                if (n < 0) throw SyscallException.Last($"send({_what}: {what})");
                throw new IOException($"send({_what}: {what}) sent {n} of {data.Length} bytes");
            }
        }
    }

    private ReadOnlySpan<byte> Receive(string what)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(NetlinkSocket));
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Libc.Recv(_fd, p, buffer.Length, 0);
                if (n >= 0) return buffer.AsSpan(0, (int)n);
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.Eintr) continue;
                if (errno == Libc.Eagain) throw new SyscallException($"recv({_what}: {what}): no answer within {ReplyTimeout.TotalSeconds:0} s;", errno);
                throw new SyscallException($"recv({_what}: {what})", errno);
            }
        }
    }

    public void Dispose()
    {
        _fd.Dispose();
        if (_buffer is { } b) ArrayPool<byte>.Shared.Return(b);
        _buffer = null;
    }
}
