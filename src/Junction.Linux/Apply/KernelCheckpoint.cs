using System.Globalization;
using System.Text.Json.Nodes;
using Junction.Linux.Apply.Nftables;
using Junction.Linux.Apply.Routing;
using Junction.Model;

namespace Junction.Linux.Apply;

/// <summary>
/// Junction's kernel state as it was before an apply (its table, the rules and routes in
/// every range it owned or was about to own, the sysctls the plan set), kept so that
/// <c>apply --confirm</c> can put it back exactly (<see cref="KernelApplier.Restore"/>),
/// also from another process: it is written as JSON and read back.
/// </summary>
public sealed class KernelCheckpoint
{
    internal KernelCheckpoint(KernelSnapshot snapshot) => Snapshot = snapshot;

    internal KernelSnapshot Snapshot { get; }

    /// <summary>Whether a Junction table was installed then (false: restoring removes Junction's state).</summary>
    public bool HadTable => Snapshot.Table is not null;

    public JsonObject ToJson() => new()
    {
        ["owners"] = new JsonArray([.. Snapshot.Owners.Select(o => (JsonNode?)o.Comment)]),
        ["table"] = Snapshot.Table?.Text,
        ["rules"] = new JsonArray([.. Snapshot.Rules.Select(r => (JsonNode?)new JsonObject
        {
            ["family"] = Word(r.Family),
            ["priority"] = r.Priority,
            ["selector"] = r.Selector,
            ["raw"] = Raw(r.Raw),
        })]),
        ["routes"] = new JsonArray([.. Snapshot.Routes.Select(r => (JsonNode?)new JsonObject
        {
            ["family"] = Word(r.Family),
            ["table"] = r.Table,
            ["type"] = r.Type,
            ["destination"] = r.Destination,
            ["gateway"] = r.Gateway,
            ["device"] = r.Device,
            ["metric"] = r.Metric,
            ["extra"] = r.Extra,
            ["origin"] = r.Origin,
            ["raw"] = Raw(r.Raw),
        })]),
        ["sysctls"] = new JsonObject(Snapshot.Sysctls.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
    };

    /// <exception cref="FormatException">the JSON is not a checkpoint this version wrote.</exception>
    public static KernelCheckpoint FromJson(JsonObject json)
    {
        try
        {
            var owners = json["owners"]!.AsArray().Select(o => Ownership.Parse(o!.GetValue<string>())
                ?? throw new FormatException($"not an ownership record: {o}")).ToList();
            var tableText = json["table"]?.GetValue<string>();
            var table = tableText is null ? null : new InstalledTable(tableText, null);
            var rules = json["rules"]!.AsArray().Select(r => new IpRule(Family(r!["family"]), r["priority"]!.GetValue<int>(),
                r["selector"]!.GetValue<string>()) { Raw = Raw(r["raw"]) }).ToList();
            var routes = json["routes"]!.AsArray().Select(r => new IpRoute(Family(r!["family"]), r["table"]!.GetValue<uint>(),
                r["type"]!.GetValue<string>(), r["destination"]!.GetValue<string>(), r["gateway"]?.GetValue<string>(),
                r["device"]?.GetValue<string>(), r["metric"]!.GetValue<uint>(), r["extra"]!.GetValue<string>(),
                r["origin"]!.GetValue<string>()) { Raw = Raw(r["raw"]) }).ToList();
            var sysctls = json["sysctls"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
            return new KernelCheckpoint(new KernelSnapshot(owners, table, rules, routes, sysctls));
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"not a kernel checkpoint: {e.Message}", e);
        }
    }

    // Rules and routes are written back over rtnetlink as the very message the kernel listed them with.
    private static string? Raw(byte[]? raw) => raw is null ? null : Convert.ToBase64String(raw);

    private static byte[]? Raw(JsonNode? node) => node?.GetValue<string>() is { } text ? Convert.FromBase64String(text) : null;

    private static string Word(Families family) => family == Families.IPv6 ? "ipv6" : "ipv4";

    private static Families Family(JsonNode? word) => word?.GetValue<string>() switch
    {
        "ipv4" => Families.IPv4,
        "ipv6" => Families.IPv6,
        var other => throw new FormatException($"unknown family '{other}'"),
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(HadTable ? "a Junction table" : "no Junction table")}, {Snapshot.Rules.Count} rules, {Snapshot.Routes.Count} routes, {Snapshot.Sysctls.Count} sysctls");
}
