using System.Net;
using System.Text.Json;
using Junction.Linux.Processes;

namespace Junction.Linux.Netlink;

/// <summary>
/// Every interface and address there is now (<c>ip -j addr show</c>), in the same
/// vocabulary as <see cref="RtnetlinkListener"/>'s events, so the daemon builds its view at
/// start-up and after lost events (ENOBUFS) exactly as it keeps it up to date.
/// </summary>
public static class LinkDump
{
    public static IReadOnlyList<LinkEvent> Read(CommandRunner runner) =>
        Parse(runner.Run("ip", "-j", "addr", "show").Check().Stdout);

    /// <summary>One <see cref="LinkStateChanged"/> per interface, followed by its addresses.</summary>
    public static IReadOnlyList<LinkEvent> Parse(string json)
    {
        var events = new List<LinkEvent>();
        if (string.IsNullOrWhiteSpace(json)) return events;
        using var doc = JsonDocument.Parse(json);
        foreach (var link in doc.RootElement.EnumerateArray())
        {
            var index = link.GetProperty("ifindex").GetInt32();
            var name = link.TryGetProperty("ifname", out var n) ? n.GetString() : null;
            var flags = link.TryGetProperty("flags", out var f) ? f.EnumerateArray().Select(x => x.GetString()).ToHashSet() : [];
            var oper = link.TryGetProperty("operstate", out var o) ? Oper(o.GetString()) : OperState.Unknown;
            events.Add(new LinkStateChanged(index, name, flags.Contains("UP"), flags.Contains("LOWER_UP"), oper, Deleted: false));
            if (!link.TryGetProperty("addr_info", out var addresses)) continue;
            foreach (var a in addresses.EnumerateArray())
            {
                if (!a.TryGetProperty("local", out var local) || !IPAddress.TryParse(local.GetString(), out var address)) continue;
                var prefix = a.TryGetProperty("prefixlen", out var p) ? p.GetInt32() : 0;
                var label = a.TryGetProperty("label", out var l) ? l.GetString() : null;
                events.Add(new AddressChanged(index, label, address, prefix, Removed: false));
            }
        }
        return events;
    }

    private static OperState Oper(string? text) => text switch
    {
        "NOTPRESENT" => OperState.NotPresent,
        "DOWN" => OperState.Down,
        "LOWERLAYERDOWN" => OperState.LowerLayerDown,
        "TESTING" => OperState.Testing,
        "DORMANT" => OperState.Dormant,
        "UP" => OperState.Up,
        _ => OperState.Unknown,
    };
}
