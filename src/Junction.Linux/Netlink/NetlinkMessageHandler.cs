namespace Junction.Linux.Netlink;

/// <summary>Takes one message of a dump (its type and what follows nlmsghdr), in place.</summary>
internal delegate void NetlinkMessageHandler(ushort type, ReadOnlySpan<byte> payload);

/// <summary>Hands each message to a delegate: for dumps of a few objects (links, rules, routes), where a closure is cheap.</summary>
internal readonly struct HandlerVisitor(NetlinkMessageHandler handler) : INetlinkVisitor
{
    public void Visit(ushort type, ReadOnlySpan<byte> payload) => handler(type, payload);
}
