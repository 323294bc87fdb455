using System.Net;
using Junction.Model;
using Junction.Planning.Nftables;

namespace Junction.Planning;

/// <summary>
/// Everything Junction wants the kernel to hold, for one configuration and one set of
/// healthy uplinks, as records with value equality: the nftables table (<see cref="Nft"/>),
/// the ip rules, the routes and the sysctls. The applier makes the kernel match it;
/// <c>junction plan</c> prints it (<see cref="NftText"/>, <see cref="PlanFormatter"/>).
/// </summary>
public sealed record DesiredState(
    NftTable Nft,
    ValueList<RuleSpec> Rules,
    ValueList<RouteSpec> Routes,
    ValueList<SysctlSpec> Sysctls,
    ValueList<UplinkPlan> Uplinks,
    BalanceMode Balance,
    MarkLayout Marks)
{
    public const string TableFamily = "inet";
    public const string TableName = "junction";

    /// <summary>True when no uplink is healthy and new connections follow the main table.</summary>
    public bool Fallback => Uplinks.All(u => !u.Healthy);
}

/// <summary>An uplink as planned: its numbers and its share of new connections.</summary>
public sealed record UplinkPlan(
    string Name,
    string Interface,
    int Id,
    uint Mark,
    uint Table,
    int Weight,
    bool Healthy,
    int Slots,
    int SlotTotal,
    SnatModel Snat)
{
    /// <summary>The planned share of new balanced connections, 0..1.</summary>
    public double Share => SlotTotal == 0 ? 0 : Slots / (double)SlotTotal;

    /// <summary>The uplink's tier: 1 is the best.</summary>
    public int Tier { get; init; } = 1;

    /// <summary>Healthy, but held in reserve: a better tier has a healthy uplink.</summary>
    public bool Reserve { get; init; }

    /// <summary>Healthy and in the tier that takes new connections.</summary>
    public bool InUse => Healthy && !Reserve;

    /// <summary>The chain that gives a new connection this uplink's mark; its counter counts them.</summary>
    public string MarkChain => MarkChainOf(Name);

    /// <summary>The mark chain of the uplink of this name.</summary>
    public static string MarkChainOf(string uplink) => "mark_" + ChainWord(uplink);

    /// <summary>The chain that copies this uplink's mark from the connection to its packets.</summary>
    public string RestoreChain => "restore_" + ChainWord(Name);

    /// <summary>The chain that source-NATs this uplink's pool.</summary>
    public string SnatChain => "snat_" + ChainWord(Name);

    // A chain name cannot carry every legal uplink name: 'isp-1' lives in chain mark_isp_1.
    private static string ChainWord(string uplink) => uplink.Replace('-', '_');
}

/// <summary>
/// One policy routing rule. <see cref="Table"/> 254 is main. Either a mark selector
/// (<see cref="FwMark"/>/<see cref="Mask"/>) or a <see cref="SuppressPrefixLength"/>.
/// The applier writes it over rtnetlink from these fields, and reads the kernel's rules
/// back into this record, so what <c>plan</c> prints is what the kernel holds.
/// </summary>
public sealed record RuleSpec(Families Family, int Priority, uint Table, uint? FwMark, uint? Mask, int? SuppressPrefixLength)
{
    /// <summary>The arguments after <c>ip [-6] rule add</c>, as iproute2 spells them.</summary>
    public string Arguments =>
        $"priority {Priority} " +
        (FwMark is { } mark ? $"fwmark 0x{mark:x}/0x{Mask:x} " : "") +
        $"lookup {(Table == MarkLayout.MainTable ? "main" : Table.ToString(System.Globalization.CultureInfo.InvariantCulture))}" +
        (SuppressPrefixLength is { } s ? $" suppress_prefixlength {s}" : "");

    public override string ToString() => $"ip {(Family == Families.IPv6 ? "-6 " : "")}rule add {Arguments}";
}

/// <summary>
/// A route in one of Junction's per-uplink tables, as the applier writes it over rtnetlink
/// and reads it back (unicast, the kernel's default metric, nothing else set).
/// </summary>
public sealed record RouteSpec(Families Family, uint Table, string Destination, IPAddress? Via, string Device)
{
    /// <summary>The arguments after <c>ip [-6] route replace</c>.</summary>
    public string Arguments =>
        $"{Destination}{(Via is null ? "" : $" via {Via}")} dev {Device} table {Table}";

    public override string ToString() => $"ip {(Family == Families.IPv6 ? "-6 " : "")}route replace {Arguments}";
}

/// <summary>
/// A kernel setting under /proc/sys, by its sysctl name (dots separate levels; a dot
/// inside an interface name is written '/', as sysctl(8) does: conf.eth0/100.rp_filter).
/// </summary>
public sealed record SysctlSpec(string Key, string Value, string Why)
{
    public string Path => "/proc/sys/" + new string(Key.Select(c => c switch { '.' => '/', '/' => '.', _ => c }).ToArray());

    public static string Interface(string name) => name.Replace('.', '/');

    public override string ToString() => $"sysctl -w {Key}={Value}";
}
