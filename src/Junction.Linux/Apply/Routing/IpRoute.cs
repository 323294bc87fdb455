using System.Buffers.Binary;
using System.Net;
using Junction.Linux.Interop;
using Junction.Linux.Netlink;
using Junction.Model;
using Junction.Planning;

namespace Junction.Linux.Apply.Routing;

/// <summary>
/// One route in one of Junction's tables, planned or read from the kernel. A route
/// Junction could have written (unicast, the kernel's default metric, nothing else set)
/// carries its <see cref="RouteSpec"/>, the record <c>junction plan</c> prints: planned
/// routes and the kernel's are compared as those records (<see cref="Identity"/>), and the
/// kernel's request is written from it and read back into it here, in one place. Any
/// other route is known by its canonical spelling (<see cref="Key"/>; <see cref="Origin"/>,
/// protocol and scope, does not count, the kernel fills it in) and is written back, when a
/// rollback must, as the message the kernel listed it with (<see cref="Raw"/>).
/// <see cref="Slot"/> is what a replace overwrites.
/// </summary>
internal sealed record IpRoute(Families Family, uint Table, string Type, string Destination, string? Gateway, string? Device, uint Metric, string Extra, string Origin)
{
    public RouteSpec? Spec { get; init; }

    /// <summary>rtmsg and attributes as the kernel dumped them.</summary>
    public byte[]? Raw { get; init; }

    public bool Equals(IpRoute? o) =>
        o is not null && (Family, Table, Type, Destination, Gateway, Device, Metric, Extra, Origin) ==
        (o.Family, o.Table, o.Type, o.Destination, o.Gateway, o.Device, o.Metric, o.Extra, o.Origin);

    public override int GetHashCode() => HashCode.Combine(Family, Table, Type, Destination, Gateway, Device, Metric, HashCode.Combine(Extra, Origin));

    public string Key => $"{(Family == Families.IPv6 ? "-6" : "-4")} table {Table} {Destination} metric {Metric} {Type} via {Gateway ?? "-"} dev {Device ?? "-"} {Extra}";

    /// <summary>What makes two routes the same: the plan's record where there is one, else the canonical spelling.</summary>
    public object Identity => (object?)Spec ?? Key;

    /// <summary>Routes in one slot replace each other: same table, destination and metric.</summary>
    public (Families Family, uint Table, string Destination, uint Metric) Slot => (Family, Table, Destination, Metric);

    public string Arguments => Join(Type == "unicast" ? null : Type, Destination, Gateway is null ? null : $"via {Gateway}",
        Device is null ? null : $"dev {Device}", $"metric {Metric}", Extra.Length == 0 ? null : Extra, Origin.Length == 0 ? null : Origin, $"table {Table}");

    public KernelStep Replace(ChangeAction action) => Step(action, "replace", Arguments, delete: false);

    /// <summary>Deletes this route and no other: type, destination, gateway, device, metric and table.</summary>
    public KernelStep Delete() => Step(ChangeAction.Remove, "del", Join(Type == "unicast" ? null : Type, Destination,
        Gateway is null ? null : $"via {Gateway}", Device is null ? null : $"dev {Device}", $"metric {Metric}", $"table {Table}"), delete: true);

    private KernelStep Step(ChangeAction action, string verb, string arguments, bool delete) =>
        KernelStep.Routing(new Change(action, ChangeSubject.Route, $"{(Family == Families.IPv6 ? "ip -6" : "ip")} route {verb} {arguments}") { RouteTable = Table },
            new RoutingRequest(null, this, delete));

    /// <summary>RTM_NEWROUTE with create and replace (as 'ip route replace'), or RTM_DELROUTE.</summary>
    /// <exception cref="InvalidOperationException">the route's interface does not exist.</exception>
    public void Write(NetlinkMessageWriter w, uint sequence, bool delete, IReadOnlyDictionary<string, int> links)
    {
        w.Begin(delete ? Rtnetlink.DelRoute : Rtnetlink.NewRoute,
            (ushort)(NetlinkAbi.Request | NetlinkAbi.Ack | (delete ? 0 : NetlinkAbi.Create | NetlinkAbi.Replace)), sequence);
        if (Raw is not null)
        {
            // The listing's cache information is the kernel's to fill in, not a request's.
            var header = w.Fixed(Rtnetlink.RtMsgLength);
            Raw.AsSpan(0, Rtnetlink.RtMsgLength).CopyTo(header);
            foreach (var a in new NetlinkAttributes(Raw.AsSpan(Rtnetlink.RtMsgLength)))
                if (a.Type is not Rtnetlink.RtaCacheinfo)
                    a.Value.CopyTo(w.Attribute(a.RawType, a.Value.Length));
        }
        else if (Spec is { } s)
        {
            var index = links.TryGetValue(s.Device, out var i) ? i : throw new InvalidOperationException($"no interface named '{s.Device}'");
            var (address, length) = Prefix(s.Destination);
            var header = w.Fixed(Rtnetlink.RtMsgLength);
            header[0] = Family == Families.IPv6 ? Libc.AfInet6 : Libc.AfInet;
            header[1] = (byte)length;
            header[4] = s.Table < 256 ? (byte)s.Table : Rtnetlink.RtTableUnspec;
            header[5] = Rtnetlink.RtprotBoot;
            header[6] = s.Via is null ? Rtnetlink.RtScopeLink : Rtnetlink.RtScopeUniverse;
            header[7] = Rtnetlink.RtnUnicast;
            if (length > 0) w.Address(Rtnetlink.RtaDst, address!);
            if (s.Via is { } via) w.Address(Rtnetlink.RtaGateway, via);
            w.U32(Rtnetlink.RtaOif, (uint)index);
            w.U32(Rtnetlink.RtaPriority, Metric);
            w.U32(Rtnetlink.RtaTable, s.Table);
        }
        else throw new InvalidOperationException($"route '{Arguments}' has neither a plan nor a kernel listing to write");
        w.End();
    }

    private (IPAddress? Address, int Length) Prefix(string destination)
    {
        if (destination == "default") return (null, 0);
        var slash = destination.IndexOf('/');
        var address = IPAddress.Parse(slash < 0 ? destination : destination[..slash]);
        var full = Family == Families.IPv6 ? 128 : 32;
        return (address, slash < 0 ? full : int.Parse(destination[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The metric the kernel gives a route added without one.</summary>
    private static uint DefaultMetric(Families family) => family == Families.IPv6 ? Rtnetlink.Ip6RtPrioUser : 0u;

    public static IpRoute From(RouteSpec spec) =>
        new(spec.Family, spec.Table, "unicast", HostRoute(spec.Destination, spec.Family), spec.Via?.ToString(), spec.Device, DefaultMetric(spec.Family), "", "")
        {
            Spec = spec,
        };

    /// <summary>
    /// A route from an RTM_NEWROUTE message of a dump, its interface named from
    /// <paramref name="links"/>; null for cached clones, which are no table's routes.
    /// </summary>
    public static IpRoute? From(ReadOnlySpan<byte> body, IReadOnlyDictionary<int, string> links)
    {
        if (body.Length < Rtnetlink.RtMsgLength) return null;
        var family = body[0] == Libc.AfInet6 ? Families.IPv6 : Families.IPv4;
        var (dstLen, headerTable, protocol, scope, type) = (body[1], body[4], body[5], body[6], body[7]);
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(body[8..]);
        if ((flags & Rtnetlink.RtmFCloned) != 0) return null;
        string destination = "default";
        string? gateway = null, device = null;
        var named = false;
        uint table = headerTable;
        var metric = DefaultMetric(family);
        var details = new List<string>();
        foreach (var a in new NetlinkAttributes(body[Rtnetlink.RtMsgLength..]))
        {
            var v = a.Value;
            switch (a.Type)
            {
                case Rtnetlink.RtaDst when v.Length is 4 or 16: destination = $"{new IPAddress(v)}/{dstLen}"; break;
                case Rtnetlink.RtaGateway when v.Length is 4 or 16: gateway = new IPAddress(v).ToString(); break;
                case Rtnetlink.RtaOif when v.Length >= 4:
                    var index = BinaryPrimitives.ReadInt32LittleEndian(v);
                    named = links.TryGetValue(index, out var name);
                    device = named ? name : $"if{index}";
                    break;
                case Rtnetlink.RtaPriority when v.Length >= 4: metric = BinaryPrimitives.ReadUInt32LittleEndian(v); break;
                case Rtnetlink.RtaTable when v.Length >= 4: table = BinaryPrimitives.ReadUInt32LittleEndian(v); break;
                case Rtnetlink.RtaPrefsrc when v.Length is 4 or 16: details.Add($"src {new IPAddress(v)}"); break;
                // The kernel's bookkeeping, not part of what a route is.
                case Rtnetlink.RtaCacheinfo or Rtnetlink.RtaPref or Rtnetlink.RtaExpires: break;
                default: details.Add($"attribute-{a.Type} 0x{Convert.ToHexStringLower(v)}"); break;
            }
        }
        if ((flags & Rtnetlink.RtnhFOnlink) != 0) details.Add("onlink");
        var plain = type is Rtnetlink.RtnUnspec or Rtnetlink.RtnUnicast && metric == DefaultMetric(family) && details.Count == 0 && named;
        var dst = HostRoute(destination, family);
        return new IpRoute(family, table, TypeName(type), dst, gateway, device, metric, string.Join(' ', details), $"proto {protocol} scope {scope}")
        {
            Raw = body.ToArray(),
            Spec = plain ? new RouteSpec(family, table, dst, gateway is null ? null : IPAddress.Parse(gateway), device!) : null,
        };
    }

    private static string TypeName(byte type) => type switch
    {
        Rtnetlink.RtnUnspec or Rtnetlink.RtnUnicast => "unicast",
        Rtnetlink.RtnLocal => "local",
        Rtnetlink.RtnBroadcast => "broadcast",
        Rtnetlink.RtnAnycast => "anycast",
        Rtnetlink.RtnMulticast => "multicast",
        Rtnetlink.RtnBlackhole => "blackhole",
        Rtnetlink.RtnUnreachable => "unreachable",
        Rtnetlink.RtnProhibit => "prohibit",
        Rtnetlink.RtnThrow => "throw",
        Rtnetlink.RtnNat => "nat",
        _ => type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>A host route is written without its /32 or /128, as iproute2 lists it.</summary>
    private static string HostRoute(string dst, Families family) =>
        dst.EndsWith(family == Families.IPv6 ? "/128" : "/32", StringComparison.Ordinal) ? dst[..dst.LastIndexOf('/')] : dst;

    private static string Join(params string?[] parts) => string.Join(' ', parts.OfType<string>());
}
