namespace Junction.Linux.Netlink;

/// <summary>
/// One message of a datagram as <see cref="NetlinkMessages"/> finds it: the header's type,
/// flags and sequence, and what follows the header, in place in the receive buffer.
/// </summary>
internal readonly ref struct NetlinkMessage(ushort type, ushort flags, uint sequence, ReadOnlySpan<byte> payload)
{
    public ushort Type { get; } = type;

    public ushort Flags { get; } = flags;

    public uint Sequence { get; } = sequence;

    /// <summary>What follows nlmsghdr, up to nlmsg_len: the family header, then attributes.</summary>
    public ReadOnlySpan<byte> Payload { get; } = payload;
}
