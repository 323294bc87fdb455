using System.Buffers.Binary;
using System.Net;
using Junction.Linux.Interop;

namespace Junction.Linux.Netlink;

/// <summary>
/// Builds one or more netlink requests back to back in one buffer, so a batch goes to the
/// kernel in one send. Attributes may nest (<see cref="BeginNested"/>/<see cref="EndNested"/>).
/// The buffer is reused from one batch to the next (<see cref="Clear"/>).
/// </summary>
internal sealed class NetlinkMessageWriter
{
    private byte[] _buffer = new byte[4096];
    private int _length;
    private int _messageStart = -1;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public int Messages { get; private set; }

    public void Clear()
    {
        _length = 0;
        _messageStart = -1;
        Messages = 0;
    }

    /// <summary>Starts a message; its length is filled in by <see cref="End"/>.</summary>
    public void Begin(ushort type, ushort flags, uint sequence)
    {
        _messageStart = _length;
        var header = Reserve(NetlinkAbi.HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(header[NetlinkAbi.TypeOffset..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(header[NetlinkAbi.FlagsOffset..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(header[NetlinkAbi.SequenceOffset..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header[NetlinkAbi.PortIdOffset..], 0);
    }

    public void End()
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_messageStart + NetlinkAbi.LengthOffset), (uint)(_length - _messageStart));
        _messageStart = -1;
        Messages++;
    }

    /// <summary>The fixed family header that follows nlmsghdr (nfgenmsg, rtmsg, fib_rule_hdr ...), zeroed, padded to 4.</summary>
    public Span<byte> Fixed(int length) => Reserve(NetlinkAbi.Align(length))[..length];

    public Span<byte> Attribute(ushort type, int length)
    {
        var total = NetlinkAbi.AttributeHeaderLength + length;
        var span = Reserve(NetlinkAbi.Align(total));
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)total);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        return span.Slice(NetlinkAbi.AttributeHeaderLength, length);
    }

    public void U8(ushort type, byte value) => Attribute(type, 1)[0] = value;

    public void U32(ushort type, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Attribute(type, 4), value);

    public void U16BigEndian(ushort type, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Attribute(type, 2), value);

    public void U32BigEndian(ushort type, uint value) => BinaryPrimitives.WriteUInt32BigEndian(Attribute(type, 4), value);

    public void Address(ushort type, IPAddress address)
    {
        var span = Attribute(type, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 16 : 4);
        if (!address.TryWriteBytes(span, out _)) throw new InvalidOperationException($"cannot write {address}");
    }

    public void String(ushort type, string value)
    {
        var span = Attribute(type, System.Text.Encoding.UTF8.GetByteCount(value) + 1);
        System.Text.Encoding.UTF8.GetBytes(value, span);
        span[^1] = 0;
    }

    public int BeginNested(ushort type)
    {
        var at = _length;
        Attribute((ushort)(type | NetlinkAbi.Nested), 0);
        return at;
    }

    public void EndNested(int at) =>
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(at), (ushort)(_length - at));

    private Span<byte> Reserve(int length)
    {
        if (_length + length > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + length));
        var span = _buffer.AsSpan(_length, length);
        span.Clear();
        _length += length;
        return span;
    }
}
