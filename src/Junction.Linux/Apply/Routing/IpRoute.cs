using System.Globalization;
using System.Text.Json;
using Junction.Model;
using Junction.Planning;

namespace Junction.Linux.Apply.Routing;

/// <summary>
/// One route in one of Junction's tables. <see cref="Key"/> is what makes two routes the
/// same (a planned route and the kernel's copy of it); <see cref="Slot"/> is what
/// <c>ip route replace</c> overwrites; <see cref="Arguments"/> recreate it (after
/// <c>ip route replace</c>), so a removed route can be put back on rollback.
/// <see cref="Extra"/> counts for sameness (a source address, onlink, anything Junction
/// never writes); <see cref="Origin"/> (protocol, scope) does not, because the kernel
/// fills it in itself.
/// </summary>
internal sealed record IpRoute(Families Family, uint Table, string Type, string Destination, string? Gateway, string? Device, uint Metric, string Extra, string Origin)
{
    public string Key => $"{Slot} {Type} via {Gateway ?? "-"} dev {Device ?? "-"} {Extra}";

    /// <summary>Routes in one slot replace each other: same table, destination and metric.</summary>
    public string Slot => $"{IpJson.Flag(Family)} table {Table} {Destination} metric {Metric}";

    public string Arguments => Join(Type == "unicast" ? null : Type, Destination, Gateway is null ? null : $"via {Gateway}",
        Device is null ? null : $"dev {Device}", $"metric {Metric}", Extra.Length == 0 ? null : Extra, Origin.Length == 0 ? null : Origin, $"table {Table}");

    public KernelStep Replace(ChangeAction action) => Step(action, "replace", Arguments);

    /// <summary>Deletes this route and no other: type, destination, gateway, device, metric and table.</summary>
    public KernelStep Delete() => Step(ChangeAction.Remove, "del", Join(Type == "unicast" ? null : Type, Destination,
        Gateway is null ? null : $"via {Gateway}", Device is null ? null : $"dev {Device}", $"metric {Metric}", $"table {Table}"));

    private KernelStep Step(ChangeAction action, string verb, string arguments) =>
        new(new Change(action, ChangeSubject.Route, $"{IpJson.Prefix(Family)} route {verb} {arguments}") { RouteTable = Table }, "ip",
            [IpJson.Flag(Family), "route", verb, .. arguments.Split(' ')])
        {
            Batch = IpJson.BatchSafe(arguments) ? new BatchLine(IpJson.Batch(Family), $"route {verb} {arguments}") : null,
        };

    /// <summary>The kernel gives IPv6 routes metric 1024 and IPv4 routes 0 when none is asked for.</summary>
    private static uint DefaultMetric(Families family) => family == Families.IPv6 ? 1024u : 0u;

    public static IpRoute From(RouteSpec spec) =>
        new(spec.Family, spec.Table, "unicast", HostRoute(spec.Destination, spec.Family), spec.Via?.ToString(), spec.Device, DefaultMetric(spec.Family), "", "");

    /// <summary>A route from <c>ip -N -j route show table all</c>; its table is the caller's to check.</summary>
    public static IpRoute From(Families family, JsonElement route)
    {
        string? Get(string name) => IpJson.Text(route, name);
        var origin = new List<string>();
        // 'boot' (3) is what ip route add/replace writes when no protocol is given; the listing leaves it out.
        if (Get("protocol") is { } proto) origin.Add($"proto {proto}");
        if (Get("scope") is { } scope) origin.Add($"scope {scope}");
        var details = new List<string>();
        if (Get("prefsrc") is { } src) details.Add($"src {src}");
        if (route.TryGetProperty("flags", out var flags) && flags.EnumerateArray().Any(f => f.GetString() == "onlink"))
            details.Add("onlink");
        foreach (var p in route.EnumerateObject().Where(p => !Known.Contains(p.Name)))
            details.Add($"{p.Name} {p.Value}");

        return new IpRoute(family, TableOf(route), TypeName(Get("type")), HostRoute(Get("dst") ?? "default", family),
            Get("gateway"), Get("dev"), Get("metric") is { } m ? uint.Parse(m, CultureInfo.InvariantCulture) : DefaultMetric(family),
            string.Join(' ', details), string.Join(' ', origin));
    }

    /// <summary>Routes of the main table carry no "table" in the listing.</summary>
    public static uint TableOf(JsonElement route) =>
        IpJson.Text(route, "table") is { } t ? IpJson.Number(t) : RuleSpec.MainTable;

    private static readonly HashSet<string> Known =
        ["type", "dst", "gateway", "dev", "table", "protocol", "scope", "prefsrc", "metric", "flags", "pref"];

    /// <summary>With -N, iproute2 prints a route's type as the kernel's RTN_* number, which 'ip route' does not read back.</summary>
    private static string TypeName(string? number) => number switch
    {
        null or "1" => "unicast",
        "2" => "local",
        "3" => "broadcast",
        "4" => "anycast",
        "5" => "multicast",
        "6" => "blackhole",
        "7" => "unreachable",
        "8" => "prohibit",
        "9" => "throw",
        "10" => "nat",
        _ => number,
    };

    /// <summary>The listing writes a host route without its /32 or /128.</summary>
    private static string HostRoute(string dst, Families family) =>
        dst.EndsWith(family == Families.IPv6 ? "/128" : "/32", StringComparison.Ordinal) ? dst[..dst.LastIndexOf('/')] : dst;

    private static string Join(params string?[] parts) => string.Join(' ', parts.OfType<string>());
}
