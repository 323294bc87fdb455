using System.Buffers.Binary;
using Junction.Linux.Interop;

namespace Junction.Linux.Netlink;

/// <summary>
/// One message of a datagram as <see cref="NetlinkMessages"/> finds it (header and payload,
/// its length already checked), in place in the receive buffer. A field is read only when
/// asked for: most readers look at the type and go on.
/// </summary>
internal readonly ref struct NetlinkMessage(ReadOnlySpan<byte> message)
{
    private readonly ReadOnlySpan<byte> _message = message;

    public ushort Type => BinaryPrimitives.ReadUInt16LittleEndian(_message[NetlinkAbi.TypeOffset..]);

    public ushort Flags => BinaryPrimitives.ReadUInt16LittleEndian(_message[NetlinkAbi.FlagsOffset..]);

    public uint Sequence => BinaryPrimitives.ReadUInt32LittleEndian(_message[NetlinkAbi.SequenceOffset..]);

    /// <summary>What follows nlmsghdr, up to nlmsg_len: the family header, then attributes.</summary>
    public ReadOnlySpan<byte> Payload => _message[NetlinkAbi.HeaderLength..];
}
