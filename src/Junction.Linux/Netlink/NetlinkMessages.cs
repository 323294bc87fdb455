using System.Buffers.Binary;
using Junction.Linux.Interop;

namespace Junction.Linux.Netlink;

/// <summary>
/// Walks the messages (struct nlmsghdr, then payload, each 4-byte aligned) of a netlink
/// datagram in place, for <c>foreach</c>: nothing is copied or allocated, which matters on
/// the conntrack event paths (one message per connection opened or closed). A message whose
/// length is shorter than its header or longer than what is left ends the walk; the last
/// message may lack its padding.
/// </summary>
internal ref struct NetlinkMessages(ReadOnlySpan<byte> datagram)
{
    private ReadOnlySpan<byte> _rest = datagram;

    private ReadOnlySpan<byte> _current;

    public readonly NetlinkMessage Current => new(_current);

    public bool MoveNext()
    {
        if (_rest.Length < NetlinkAbi.HeaderLength) return false;
        // A length above int.MaxValue turns negative here and ends the walk like a short one.
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(_rest[NetlinkAbi.LengthOffset..]);
        if (length < NetlinkAbi.HeaderLength || length > _rest.Length) return false;
        _current = _rest[..length];
        _rest = _rest[Math.Min(NetlinkAbi.Align(length), _rest.Length)..];
        return true;
    }

    public readonly NetlinkMessages GetEnumerator() => this;
}
