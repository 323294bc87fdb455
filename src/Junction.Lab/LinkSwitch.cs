using System.Buffers.Binary;
using Junction.Linux.Interop;
using Junction.Linux.Netlink;

namespace Junction.Lab;

/// <summary>
/// Sets one interface of a lab namespace down or up in this process: an RTM_NEWLINK that
/// changes only IFF_UP, on an rtnetlink socket opened in that namespace beforehand, with the
/// interface's index looked up then too. What `ip -n NS link set DEV down` does, without the
/// process: a benchmark that times a fault from just before it starts counts the kernel's
/// work, not a program's start (a few ms).
/// </summary>
public sealed class LinkSwitch : IDisposable
{
    private readonly RtnetlinkClient _rtnetlink;
    private readonly int _index;
    private readonly string _what;

    public LinkSwitch(string netns, string device)
    {
        _rtnetlink = RtnetlinkClient.Open(netns);
        try
        {
            _index = _rtnetlink.LinkNames().FirstOrDefault(l => l.Value == device).Key;
            if (_index == 0) throw new InvalidOperationException($"no interface '{device}' in namespace {netns}");
        }
        catch
        {
            _rtnetlink.Dispose();
            throw;
        }
        _what = $"set {device} in {netns}";
    }

    public void Down() => Set(up: false);

    public void Up() => Set(up: true);

    private void Set(bool up)
    {
        var ack = _rtnetlink.Transact(1, _what, (w, sequence) =>
        {
            w.Begin(Rtnetlink.NewLink, NetlinkAbi.Request | NetlinkAbi.Ack, sequence);
            var info = w.Fixed(Rtnetlink.IfInfoMsgLength);
            info.Clear();
            BinaryPrimitives.WriteInt32LittleEndian(info[4..], _index);
            BinaryPrimitives.WriteUInt32LittleEndian(info[8..], up ? Rtnetlink.IffUp : 0);
            BinaryPrimitives.WriteUInt32LittleEndian(info[12..], Rtnetlink.IffUp);
            w.End();
        })[0];
        if (ack.Errno != 0) throw new InvalidOperationException($"{_what} {(up ? "up" : "down")}: {ack.Message ?? $"errno {ack.Errno}"}");
    }

    public void Dispose() => _rtnetlink.Dispose();
}
