using System.Net;
using System.Net.Sockets;
using Junction.Health;
using Junction.Linux.Netlink;
using Junction.Model;

namespace Junction.Cli.Daemon;

/// <summary>
/// The daemon's view of the interfaces, kept from rtnetlink events (and a dump at start-up
/// or after lost events), reduced to what health needs: for each uplink, whether its
/// interface has carrier and an address of every family it carries. Pure: every input
/// returns the <see cref="LinkSignal"/>s it caused, so a test can feed it events.
/// Interfaces are found by name, because a tunnel that is deleted and made again (a VPN
/// restart) comes back under the same name with a new index.
/// </summary>
internal sealed class LinkTable
{
    private readonly Dictionary<int, Interface> _byIndex = [];
    private IReadOnlyList<UplinkModel> _uplinks = [];
    // What the uplinks' state machines were last told; a new binding starts from "ready",
    // which is what UplinkHealth assumes before any signal.
    private Dictionary<string, (bool Carrier, bool Addressed)> _told = [];

    /// <summary>Uplinks whose interface cannot take routes now: absent, down, no carrier, no address.</summary>
    public IReadOnlySet<string> Unroutable =>
        _uplinks.Where(u => _told.TryGetValue(u.Name, out var s) && !(s.Carrier && s.Addressed)).Select(u => u.Name).ToHashSet();

    /// <summary>Carrier of the uplink's interface as last seen (false when it does not exist).</summary>
    public bool Carrier(string uplink) => _told.TryGetValue(uplink, out var s) && s.Carrier;

    /// <summary>Watches these uplinks from now on; the signals bring fresh state machines up to date.</summary>
    public IReadOnlyList<(string Uplink, LinkSignal Signal)> Bind(IReadOnlyList<UplinkModel> uplinks)
    {
        _uplinks = uplinks;
        _told = uplinks.ToDictionary(u => u.Name, _ => (true, true));
        return Diff();
    }

    /// <summary>Forgets everything and takes a dump of every interface as the truth.</summary>
    public IReadOnlyList<(string Uplink, LinkSignal Signal)> Reset(IEnumerable<LinkEvent> dump)
    {
        _byIndex.Clear();
        foreach (var e in dump) Update(e);
        return Diff();
    }

    public IReadOnlyList<(string Uplink, LinkSignal Signal)> Observe(LinkEvent e)
    {
        Update(e);
        return Diff();
    }

    private void Update(LinkEvent e)
    {
        switch (e)
        {
            case LinkStateChanged { Deleted: true } link:
                _byIndex.Remove(link.Index);
                break;
            case LinkStateChanged link:
                var entry = _byIndex.TryGetValue(link.Index, out var known) ? known : _byIndex[link.Index] = new Interface();
                if (link.Name is { } name)
                {
                    // A stale entry under the same name (its deletion was lost) must not shadow this one.
                    foreach (var stale in _byIndex.Where(kv => kv.Key != link.Index && kv.Value.Name == name).Select(kv => kv.Key).ToList())
                        _byIndex.Remove(stale);
                    entry.Name = name;
                }
                entry.AdminUp = link.AdminUp;
                entry.LowerUp = link.LowerUp;
                break;
            case AddressChanged address:
                // An address may be reported before its interface; the link event fills in the rest.
                var owner = _byIndex.TryGetValue(address.Index, out var o) ? o : _byIndex[address.Index] = new Interface();
                if (address.Removed) owner.Addresses.Remove(address.Address);
                else owner.Addresses.Add(address.Address);
                break;
        }
    }

    private List<(string, LinkSignal)> Diff()
    {
        var signals = new List<(string, LinkSignal)>();
        foreach (var u in _uplinks)
        {
            var now = Status(u);
            var before = _told[u.Name];
            if (before.Carrier && !now.Carrier) signals.Add((u.Name, LinkSignal.CarrierDown));
            if (before.Addressed && !now.Addressed) signals.Add((u.Name, LinkSignal.AddressLost));
            if (!before.Carrier && now.Carrier) signals.Add((u.Name, LinkSignal.CarrierUp));
            if (!before.Addressed && now.Addressed) signals.Add((u.Name, LinkSignal.AddressRestored));
            _told[u.Name] = now;
        }
        return signals;
    }

    private (bool Carrier, bool Addressed) Status(UplinkModel uplink)
    {
        var dev = _byIndex.Values.FirstOrDefault(i => i.Name == uplink.Interface);
        if (dev is null) return (false, false);
        bool Has(AddressFamily family) => dev.Addresses.Any(a => a.AddressFamily == family);
        var addressed = (!uplink.Families.HasFlag(Families.IPv4) || Has(AddressFamily.InterNetwork))
            && (!uplink.Families.HasFlag(Families.IPv6) || Has(AddressFamily.InterNetworkV6));
        return (dev.AdminUp && dev.LowerUp, addressed);
    }

    private sealed class Interface
    {
        public string? Name { get; set; }
        public bool AdminUp { get; set; }
        public bool LowerUp { get; set; }
        public HashSet<IPAddress> Addresses { get; } = [];
    }
}
