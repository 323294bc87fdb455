using System.Text.Json.Nodes;
using System.Text;
using Junction.Cli.Commands;

namespace Junction.Lab.Commands;

/// <summary>Prints a lab's namespaces, interfaces and addresses, for people and for scripts.</summary>
internal static class LabDescription
{
    public static string Text(LabTopology t, int? serverPid)
    {
        var s = new StringBuilder();
        if (t.Options.Ha)
            // The pair's routers are described by 'lab up --ha' itself (HaLabSoftware.Describe).
            return s.Append(Others(t, serverPid)).ToString();
        var clients = string.Join(", ", Enumerable.Range(1, t.Clients).Select(t.RouterClientPort));
        s.AppendLine($"{t.RouterNamespace}  the router, where Junction runs")
         .AppendLine($"    {LabTopology.LanInterface,-7}{$"{LabTopology.RouterLanAddress}/{LabTopology.LanPrefixLength}",-16} the LAN: a bridge of {clients}");
        for (var i = 1; i <= t.Uplinks; i++)
        {
            var extra = t.WanExtraAddresses(i);
            var more = extra.Count > 0 ? $" (+ {string.Join(", ", extra)} for SNAT pools)" : "";
            s.AppendLine($"    {t.WanInterface(i),-7}{$"{t.WanAddress(i)}/24",-16} to {t.IspNamespace(i)}, gateway {t.IspGateway(i)}{more}");
        }
        s.AppendLine($"    main table: default via {t.IspGateway(1)} dev {t.WanInterface(1)}; rp_filter strict; forwarding on");
        return s.Append(Others(t, serverPid)).ToString();
    }

    /// <summary>Everything but the router: ISPs, server, clients, the service.</summary>
    private static string Others(LabTopology t, int? serverPid)
    {
        var s = new StringBuilder();
        for (var i = 1; i <= t.Uplinks; i++)
        {
            var nat = t.Options.IspMasquerade ? $"masquerades as {t.IspServerAddress(i)} toward the server" : "routes without NAT";
            s.AppendLine($"{t.IspNamespace(i)}  ISP {i}: {LabTopology.IspRouterSide} {t.IspGateway(i)}/24, {LabTopology.IspServerSide} {t.IspServerAddress(i)}/24; {nat}");
        }
        var links = string.Join(", ", Enumerable.Range(1, t.Uplinks).Select(i => $"{t.ServerIspInterface(i)} {t.ServerIspAddress(i)}/24"));
        s.AppendLine($"{t.ServerNamespace}  the server: {LabTopology.ServiceInterface} {LabTopology.ServiceAddress}/32, {links}");
        for (var k = 1; k <= t.Clients; k++)
        {
            var extra = t.ClientExtraAddresses(k);
            var more = extra.Count > 0 ? $" (+ {extra[0]}..{extra[^1]} as extra sources)" : "";
            s.AppendLine($"{t.ClientNamespace(k)}  client {k}: {LabTopology.ClientInterface} {t.ClientAddress(k)}/{LabTopology.LanPrefixLength}{more}, default via {LabTopology.RouterLanAddress}");
        }
        s.AppendLine()
         .Append($"Service {t.Service} in {t.ServerNamespace}")
         .Append(serverPid is { } pid ? $" (pid {pid})" : "")
         .AppendLine(": it answers each connection with the source address:port it sees, then echoes until you close.")
         .AppendLine($"The source names the uplink: {(t.Options.IspMasquerade ? "10.200.I.1" : "10.100.I.x")} means ISP I.");
        return s.ToString();
    }

    public static JsonObject Json(LabTopology t, int? serverPid) => new()
    {
        ["prefix"] = t.Prefix,
        ["namespaces"] = new JsonArray([.. t.Namespaces.Select(n => (JsonNode?)n)]),
        ["service"] = t.Service.ToString(),
        ["serverPid"] = serverPid,
        ["router"] = new JsonObject
        {
            ["namespace"] = t.RouterNamespace,
            ["lan"] = new JsonObject { ["interface"] = LabTopology.LanInterface, ["address"] = $"{LabTopology.RouterLanAddress}/{LabTopology.LanPrefixLength}" },
            ["defaultGateway"] = t.IspGateway(1).ToString(),
        },
        ["uplinks"] = new JsonArray([.. Enumerable.Range(1, t.Uplinks).Select(i => (JsonNode?)new JsonObject
        {
            ["index"] = i,
            ["interface"] = t.WanInterface(i),
            ["address"] = $"{t.WanAddress(i)}/24",
            ["extraAddresses"] = new JsonArray([.. t.WanExtraAddresses(i).Select(a => (JsonNode?)a.ToString())]),
            ["gateway"] = t.IspGateway(i).ToString(),
            ["ispNamespace"] = t.IspNamespace(i),
            ["serverSees"] = t.Options.IspMasquerade ? t.IspServerAddress(i).ToString() : $"10.100.{i}.0/24",
        })]),
        ["server"] = new JsonObject
        {
            ["namespace"] = t.ServerNamespace,
            ["address"] = LabTopology.ServiceAddress.ToString(),
            ["port"] = LabTopology.ServicePort,
        },
        ["clients"] = new JsonArray([.. Enumerable.Range(1, t.Clients).Select(k => (JsonNode?)new JsonObject
        {
            ["index"] = k,
            ["namespace"] = t.ClientNamespace(k),
            ["address"] = t.ClientAddress(k).ToString(),
            ["extraAddresses"] = new JsonArray([.. t.ClientExtraAddresses(k).Select(a => (JsonNode?)a.ToString())]),
        })]),
    };

    public static string Indented(JsonNode node) => node.ToJsonString(CliJson.Indented);
}
