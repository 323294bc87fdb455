using System.Buffers.Binary;
using System.Globalization;
using Junction.Linux.Interop;
using Junction.Linux.Netlink;
using Junction.Planning;

namespace Junction.Linux.Apply.Sysctls;

/// <summary>
/// The IPv4 sysctls rtnetlink's netconf dump (RTM_GETNETCONF) carries, by the sysctl key
/// they are read and written under: every interface's rp_filter and forwarding, those of
/// conf/all and conf/default, and net.ipv4.ip_forward (which is conf/all's forwarding). The
/// kernel answers the dump from the very values the files under /proc/sys show, for every
/// interface in one exchange, where reading the files opens one each: a router with 64
/// uplinks plans 65 of them.
/// </summary>
internal static class Netconf
{
    /// <summary>As <see cref="ReadIpv4"/>; nothing when the kernel refuses the dump (then every key is read from its file).</summary>
    public static Dictionary<string, string> TryReadIpv4(RtnetlinkClient client, IReadOnlyDictionary<int, string> links)
    {
        try
        {
            return ReadIpv4(client, links);
        }
        catch (KernelCallException)
        {
            return new Dictionary<string, string>();
        }
    }

    /// <param name="links">interface names by index, read just before.</param>
    /// <exception cref="NetlinkException">the kernel refused the dump.</exception>
    public static Dictionary<string, string> ReadIpv4(RtnetlinkClient client, IReadOnlyDictionary<int, string> links)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        client.Dump(Rtnetlink.GetNetconf, Libc.AfInet, "dump IPv4 netconf", values.Clear, (type, body) =>
        {
            if (type != Rtnetlink.NewNetconf || body.Length < NetlinkAbi.Align(Rtnetlink.NetconfMsgLength) || body[0] != Libc.AfInet) return;
            int? index = null;
            uint? forwarding = null, rpFilter = null;
            foreach (var a in new NetlinkAttributes(body[NetlinkAbi.Align(Rtnetlink.NetconfMsgLength)..]))
            {
                if (a.Value.Length < 4) continue;
                var value = BinaryPrimitives.ReadUInt32LittleEndian(a.Value);
                switch (a.Type)
                {
                    case Rtnetlink.NetconfaIfindex: index = (int)value; break;
                    case Rtnetlink.NetconfaForwarding: forwarding = value; break;
                    case Rtnetlink.NetconfaRpFilter: rpFilter = value; break;
                }
            }
            var device = index switch
            {
                Rtnetlink.NetconfaIfindexAll => "all",
                Rtnetlink.NetconfaIfindexDefault => "default",
                { } i when links.TryGetValue(i, out var name) => SysctlSpec.Interface(name),
                _ => null,
            };
            if (device is null) return;
            if (rpFilter is { } r) values[$"net.ipv4.conf.{device}.rp_filter"] = Text(r);
            if (forwarding is { } f)
            {
                values[$"net.ipv4.conf.{device}.forwarding"] = Text(f);
                if (device == "all") values["net.ipv4.ip_forward"] = Text(f);
            }
        });
        return values;
    }

    private static string Text(uint value) => value.ToString(CultureInfo.InvariantCulture);
}
