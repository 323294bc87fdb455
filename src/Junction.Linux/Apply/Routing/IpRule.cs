using System.Globalization;
using System.Text;
using System.Text.Json;
using Junction.Model;
using Junction.Planning;

namespace Junction.Linux.Apply.Routing;

/// <summary>
/// One ip rule in a canonical spelling, so a rule the plan asks for and the same rule read
/// back from the kernel compare equal. <see cref="Selector"/> is what follows
/// <c>priority N</c> in <c>ip rule add</c> and <c>ip rule del</c>.
/// </summary>
internal sealed record IpRule(Families Family, int Priority, string Selector)
{
    public string Arguments => $"priority {Priority} {Selector}";

    public KernelStep Add() => Step(ChangeAction.Add, "add");

    public KernelStep Delete() => Step(ChangeAction.Remove, "del");

    private KernelStep Step(ChangeAction action, string verb)
    {
        string[] args = [IpJson.Flag(Family), "rule", verb, .. Arguments.Split(' ')];
        return new KernelStep(new Change(action, ChangeSubject.Rule, $"{IpJson.Prefix(Family)} rule {verb} {Arguments}"), "ip", args)
        {
            Batch = new BatchLine(IpJson.Batch(Family), $"rule {verb} {Arguments}"),
        };
    }

    public static IpRule From(RuleSpec spec) =>
        new(spec.Family, spec.Priority, Canonical(null, null, null, null, spec.FwMark, spec.Mask, spec.Table, spec.SuppressPrefixLength, []));

    /// <summary>A rule from <c>ip -N -j rule</c>. Attributes Junction never writes are kept verbatim, so such a rule never equals a planned one.</summary>
    public static IpRule From(Families family, JsonElement rule)
    {
        string? Get(string name) => IpJson.Text(rule, name);
        string? Prefix(string addr, string len) =>
            Get(addr) is { } a && a != "all" ? (Get(len) is { } l ? $"{a}/{l}" : a) : null;

        var extra = new List<string>();
        if (rule.TryGetProperty("not", out _)) extra.Add("not");
        if (Get("tos") is { } tos) extra.Add($"tos {tos}");
        if (Get("uid_start") is { } u1) extra.Add($"uidrange {u1}-{Get("uid_end")}");
        if (Get("ipproto") is { } proto) extra.Add($"ipproto {proto.Replace("ipproto-", "", StringComparison.Ordinal)}");
        if (Get("sport") is { } sport) extra.Add($"sport {sport}");
        if (Get("dport") is { } dport) extra.Add($"dport {dport}");
        if (Get("suppress_ifgroup") is { } group) extra.Add($"suppress_ifgroup {group}");
        if (Get("goto") is { } target) extra.Add($"goto {target}");
        if (Get("action") is { } action) extra.Add(Action(action));
        foreach (var p in rule.EnumerateObject().Where(p => !Known.Contains(p.Name)))
            extra.Add($"{p.Name} {p.Value}");

        var table = Get("table") is { } t ? IpJson.Number(t) : (uint?)null;
        var fwmark = Get("fwmark") is { } fm ? IpJson.Number(fm) : (uint?)null;
        var mask = Get("fwmask") is { } mk ? IpJson.Number(mk) : uint.MaxValue;
        var suppress = Get("suppress_prefixlen") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : (int?)null;
        var priority = int.Parse(Get("priority") ?? "0", CultureInfo.InvariantCulture);
        return new IpRule(family, priority,
            Canonical(Prefix("src", "srclen"), Prefix("dst", "dstlen"), Get("iif"), Get("oif"), fwmark, fwmark is null ? null : mask, table, suppress, extra));
    }

    private static readonly HashSet<string> Known =
    [
        "priority", "src", "srclen", "dst", "dstlen", "iif", "oif", "fwmark", "fwmask", "table", "suppress_prefixlen",
        "not", "tos", "uid_start", "uid_end", "ipproto", "sport", "dport", "suppress_ifgroup", "goto", "action",
    ];

    /// <summary>With -N, iproute2 prints a rule's action as the kernel's FR_ACT_* number.</summary>
    private static string Action(string action) => action switch
    {
        "3" => "nop",
        "6" => "blackhole",
        "7" => "unreachable",
        "8" => "prohibit",
        _ => action,
    };

    private static string Canonical(string? from, string? to, string? iif, string? oif, uint? fwmark, uint? mask, uint? table, int? suppress, List<string> extra)
    {
        var s = new StringBuilder();
        if (extra.Remove("not")) s.Append("not ");
        s.Append("from ").Append(from ?? "all");
        if (to is not null) s.Append(" to ").Append(to);
        if (iif is not null) s.Append(" iif ").Append(iif);
        if (oif is not null) s.Append(" oif ").Append(oif);
        if (fwmark is { } m) s.Append(CultureInfo.InvariantCulture, $" fwmark 0x{m:x}/0x{mask:x}");
        if (table is { } t) s.Append(CultureInfo.InvariantCulture, $" lookup {t}");
        if (suppress is { } p) s.Append(CultureInfo.InvariantCulture, $" suppress_prefixlength {p}");
        foreach (var e in extra) s.Append(' ').Append(e);
        return s.ToString();
    }
}
