using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Junction.Model;
using Junction.Planning.Nftables;

namespace Junction.Planning;

/// <summary>Renders a <see cref="DesiredState"/> for people (a bug-report-ready text) and scripts (JSON).</summary>
public static class PlanFormatter
{
    public static string Text(DesiredState plan, JunctionModel model)
    {
        var m = plan.Marks;
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture,
            $"balance: {Planner.Describe(plan.Balance)}; marks {m.Hex(m.Mask)}; tables from {m.TableBase}; rules from priority {m.RulePriority}\n");
        s.Append("lan: ").Append(model.Lan.Count == 0 ? "(none: forwarded connections are not balanced)" : string.Join(", ", model.Lan))
            .Append("; local: ").Append(model.Local ? "balanced" : "not balanced").Append('\n');
        if (model.Bypass.Count > 0) s.Append("bypass: ").Append(string.Join(", ", model.Bypass)).Append('\n');
        if (model.Tiered) s.Append(Tiers(plan, model)).Append('\n');
        if (plan.Fallback)
            s.Append("\nNo uplink is healthy: new connections follow the main routing table.\n");

        s.Append('\n');
        var rows = new List<string[]> { new[] { "UPLINK", "INTERFACE", "GATEWAY", "TIER", "WEIGHT", "STATE", "SHARE", "MARK", "TABLE", "SNAT" } };
        foreach (var u in plan.Uplinks)
        {
            var um = model.Uplink(u.Name);
            var gateways = string.Join(", ", new[] { um.Gateway4?.ToString(), um.Gateway6?.ToString() }.OfType<string>());
            rows.Add([
                u.Name, u.Interface, gateways.Length == 0 ? "(point-to-point)" : gateways,
                u.Tier.ToString(CultureInfo.InvariantCulture),
                u.Weight.ToString(CultureInfo.InvariantCulture), u.InUse ? "up" : u.Reserve ? "reserve" : "down",
                u.InUse ? (u.Share * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "-",
                m.Hex(u.Mark), u.Table.ToString(CultureInfo.InvariantCulture), Snat(u.Snat),
            ]);
        }
        // The tier column only where there are tiers: a file without them reads as before.
        if (!model.Tiered) rows = rows.Select(r => r.Where((_, c) => c != 3).ToArray()).ToList();
        AppendTable(s, rows);

        foreach (var pin in model.Pins)
            s.Append(pin == model.Pins[0] ? "\npins:\n" : "").Append("  ").Append(PinText(pin)).Append('\n');

        s.Append("\nip rules:\n");
        foreach (var r in plan.Rules) s.Append("  ").Append(r).Append('\n');
        s.Append("\nroutes:\n");
        foreach (var r in plan.Routes) s.Append("  ").Append(r).Append('\n');
        s.Append("\nsysctls:\n");
        foreach (var x in plan.Sysctls) s.Append("  ").Append(x).Append("   # ").Append(x.Why).Append('\n');
        s.Append("\nnftables (replaced in one atomic transaction):\n");
        s.Append(NftText.Table(plan.Nft));
        return s.ToString();
    }

    public static string Json(DesiredState plan, JunctionModel model)
    {
        var m = plan.Marks;
        var root = new JsonObject
        {
            ["balance"] = Vocabulary.Balance.Word(plan.Balance),
            ["markMask"] = m.Hex(m.Mask),
            ["tableBase"] = m.TableBase,
            ["rulePriority"] = m.RulePriority,
            ["lan"] = new JsonArray(model.Lan.Select(x => (JsonNode?)x).ToArray()),
            ["local"] = model.Local,
            ["bypass"] = new JsonArray(model.Bypass.Select(x => (JsonNode?)x.ToString()).ToArray()),
            ["fallback"] = plan.Fallback,
            ["failback"] = Vocabulary.Failback.Word(model.Failback),
            ["failbackHoldSeconds"] = model.FailbackHold.TotalSeconds,
            ["uplinks"] = new JsonArray(plan.Uplinks.Select(u =>
            {
                var um = model.Uplink(u.Name);
                return (JsonNode?)new JsonObject
                {
                    ["name"] = u.Name,
                    ["interface"] = u.Interface,
                    ["gateway"] = um.Gateway4?.ToString(),
                    ["gateway6"] = um.Gateway6?.ToString(),
                    ["families"] = Vocabulary.Family.Word(um.Families),
                    ["weight"] = u.Weight,
                    ["tier"] = u.Tier,
                    ["inUse"] = u.InUse,
                    ["reserve"] = u.Reserve,
                    ["id"] = u.Id,
                    ["mark"] = m.Hex(u.Mark),
                    ["table"] = u.Table,
                    ["healthy"] = u.Healthy,
                    ["slots"] = u.Slots,
                    ["share"] = Math.Round(u.Share, 6),
                    ["snat"] = new JsonObject
                    {
                        ["mode"] = Vocabulary.Snat.Word(u.Snat.Mode),
                        ["addresses"] = new JsonArray(u.Snat.Pool.Select(a => (JsonNode?)a.ToString()).ToArray()),
                        ["spread"] = u.Snat.Mode == SnatMode.Pool ? Vocabulary.Spread.Word(u.Snat.Spread) : null,
                    },
                };
            }).ToArray()),
            ["pins"] = new JsonArray(model.Pins.Select(p => (JsonNode?)new JsonObject
            {
                ["to"] = p.To?.ToString(),
                ["from"] = p.From?.ToString(),
                ["protocol"] = p.Protocol,
                ["port"] = p.PortFirst is null ? null : p.PortFirst == p.PortLast ? $"{p.PortFirst}" : $"{p.PortFirst}-{p.PortLast}",
                ["via"] = p.Via,
            }).ToArray()),
            ["rules"] = new JsonArray(plan.Rules.Select(r => (JsonNode?)new JsonObject
            {
                ["family"] = Vocabulary.Family.Word(r.Family),
                ["priority"] = r.Priority,
                ["table"] = r.Table,
                ["fwmark"] = r.FwMark is { } fm ? m.Hex(fm) : null,
                ["mask"] = r.Mask is { } mk ? m.Hex(mk) : null,
                ["suppressPrefixLength"] = r.SuppressPrefixLength,
                ["command"] = r.ToString(),
            }).ToArray()),
            ["routes"] = new JsonArray(plan.Routes.Select(r => (JsonNode?)new JsonObject
            {
                ["family"] = Vocabulary.Family.Word(r.Family),
                ["table"] = r.Table,
                ["destination"] = r.Destination,
                ["via"] = r.Via?.ToString(),
                ["device"] = r.Device,
                ["command"] = r.ToString(),
            }).ToArray()),
            ["sysctls"] = new JsonArray(plan.Sysctls.Select(x => (JsonNode?)new JsonObject
            {
                ["key"] = x.Key,
                ["value"] = x.Value,
                ["why"] = x.Why,
            }).ToArray()),
            ["nftables"] = NftText.Table(plan.Nft),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Which tier takes new connections, which wait, and what failback does.</summary>
    private static string Tiers(DesiredState plan, JunctionModel model)
    {
        var inUse = plan.Uplinks.Where(u => u.InUse).Select(u => u.Tier).DefaultIfEmpty(0).Min();
        var text = inUse == 0 ? "tiers: no tier has a healthy uplink" : $"tiers: tier {inUse} takes new connections";
        var reserve = plan.Uplinks.Where(u => u.Reserve).Select(u => $"{u.Name} (tier {u.Tier})").ToList();
        if (reserve.Count > 0) text += $"; in reserve: {string.Join(", ", reserve)}";
        return text + (model.Failback == FailbackMode.Move
            ? $"; failback: move (worse tiers' connections are flushed once a better tier has been healthy for {model.FailbackHold.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s)"
            : "; failback: new-only (connections on a worse tier stay until they end)");
    }

    public static string PinText(PinModel pin)
    {
        var parts = new List<string>();
        if (pin.To is { } to) parts.Add($"to {to}");
        if (pin.From is { } from) parts.Add($"from {from}");
        if (pin.Protocol is { } p) parts.Add(p);
        if (pin.PortFirst is { } f) parts.Add(pin.PortLast == f ? $"port {f}" : $"ports {f}-{pin.PortLast}");
        return $"{string.Join(" ", parts)} -> {pin.Via}";
    }

    private static string Snat(SnatModel snat) => snat.Mode switch
    {
        SnatMode.Pool => $"pool of {snat.Pool.Count}, {Vocabulary.Spread.Word(snat.Spread)}",
        _ => Vocabulary.Snat.Word(snat.Mode),
    };

    private static void AppendTable(StringBuilder s, List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
            s.Append(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd()).Append('\n');
    }
}
