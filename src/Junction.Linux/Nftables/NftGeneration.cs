using System.Buffers.Binary;
using Junction.Linux.Interop;
using Junction.Linux.Netlink;

namespace Junction.Linux.Nftables;

/// <summary>
/// The nftables ruleset generation of a namespace (NFT_MSG_GETGEN): every committed
/// transaction, anyone's, counts it up by one. Unchanged since Junction's last write means
/// the kernel's nftables hold exactly what that write left, without listing anything.
/// </summary>
internal sealed class NftGeneration : IDisposable
{
    private readonly NetlinkSocket _socket;
    private readonly NetlinkMessageWriter _writer = new();
    private readonly Lock _lock = new();

    private NftGeneration(NetlinkSocket socket) => _socket = socket;

    public static NftGeneration Open(string? netns) => new(NetlinkSocket.Open(NetlinkAbi.NetfilterProtocol, "NETLINK_NETFILTER", netns, 64 * 1024));

    /// <exception cref="NetlinkException">the kernel refused.</exception>
    public uint Read()
    {
        lock (_lock)
        {
            var sequence = _socket.Next();
            _writer.Clear();
            _writer.Begin(Nfnetlink.Type(Nfnetlink.SubsysNftables, Nftnetlink.MsgGetGen), NetlinkAbi.Request | NetlinkAbi.Ack, sequence);
            _writer.Fixed(Nfnetlink.GenMsgLength);
            _writer.End();
            var visitor = new Visitor();
            _socket.Dump(_writer, sequence, "read the nftables generation", ref visitor);
            return visitor.Id ?? throw new NetlinkException("read the nftables generation", Libc.Einval, "no generation in the answer");
        }
    }

    private struct Visitor : INetlinkVisitor
    {
        public uint? Id;

        public void Visit(ushort type, ReadOnlySpan<byte> payload)
        {
            if (Nfnetlink.Message(type) != Nftnetlink.MsgNewGen || payload.Length < Nfnetlink.GenMsgLength) return;
            var id = NetlinkAttributes.Find(payload[Nfnetlink.GenMsgLength..], Nftnetlink.GenId);
            if (id.Length >= 4) Id = BinaryPrimitives.ReadUInt32BigEndian(id);
        }
    }

    public void Dispose() => _socket.Dispose();
}
