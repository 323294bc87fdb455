using Junction.Ha;
using Junction.Health;

namespace Junction.Model;

/// <summary>
/// Every enum ↔ word mapping of Junction, defined once: the configuration parser and its
/// "did you mean" hints, the plan, status, explain and metrics formatters and the daemon's
/// log all spell a value through these tables. Kept in one file rather than next to each
/// enum so that the whole vocabulary a user can write or read is on one page.
/// </summary>
public static class Vocabulary
{
    /// <summary><c>balance:</c>.</summary>
    public static readonly WordTable<BalanceMode> Balance = new(
        (BalanceMode.RoundRobin, "round-robin"),
        (BalanceMode.Random, "random"),
        (BalanceMode.HashSource, "hash-source"),
        (BalanceMode.HashSourceDestination, "hash-source-destination"));

    /// <summary><c>snat: { spread: }</c> of an address pool.</summary>
    public static readonly WordTable<PoolSpread> Spread = new(
        (PoolSpread.RoundRobin, "round-robin"),
        (PoolSpread.Random, "random"),
        (PoolSpread.HashSource, "hash-source"));

    /// <summary><c>snat:</c> as a word; a pool is written as a mapping with <c>addresses:</c>, so "pool" is only printed.</summary>
    public static readonly WordTable<SnatMode> Snat = new(
        (SnatMode.Masquerade, "masquerade"),
        (SnatMode.None, "none"),
        (SnatMode.Pool, "pool")) { OutputOnly = [SnatMode.Pool] };

    /// <summary>An uplink's <c>family:</c>; also one family of a rule or route in <c>plan --json</c>.</summary>
    public static readonly WordTable<Families> Family = new(
        (Families.IPv4, "ipv4"),
        (Families.IPv6, "ipv6"),
        (Families.Dual, "dual"));

    /// <summary><c>flush:</c>.</summary>
    public static readonly WordTable<FlushPolicy> Flush = new(
        (FlushPolicy.Dead, "dead"),
        (FlushPolicy.None, "none"));

    /// <summary><c>failback:</c>.</summary>
    public static readonly WordTable<FailbackMode> Failback = new(
        (FailbackMode.NewOnly, "new-only"),
        (FailbackMode.Move, "move"));

    /// <summary>A probe's <c>kind:</c>.</summary>
    public static readonly WordTable<ProbeKind> Probe = new(
        (ProbeKind.Icmp, "icmp"),
        (ProbeKind.Tcp, "tcp"));

    /// <summary>An uplink's health in status, metrics (<c>state</c> label), JSON and the log.</summary>
    public static readonly WordTable<HealthState> Health = new(
        (HealthState.Unknown, "unknown"),
        (HealthState.Up, "up"),
        (HealthState.Down, "down"));

    /// <summary>The operator's override: the CLI verbs, the state file, status and the <c>mode</c> metrics label.</summary>
    public static readonly WordTable<OperatorMode> Operator = new(
        (OperatorMode.Auto, "auto"),
        (OperatorMode.Drain, "drain"),
        (OperatorMode.Down, "down"),
        (OperatorMode.Up, "up"));

    /// <summary>The VRRP role status shows (keepalived's notify script writes them upper-case).</summary>
    public static readonly WordTable<VrrpState> Vrrp = new(
        (VrrpState.Unknown, "unknown"),
        (VrrpState.Master, "master"),
        (VrrpState.Backup, "backup"),
        (VrrpState.Fault, "fault"),
        (VrrpState.Stop, "stop"));

    /// <summary>The protocols a pin (<c>protocol:</c>) and <c>explain</c> know, as nftables names them.</summary>
    public static readonly IReadOnlyList<string> Protocols = ["tcp", "udp", "icmp", "icmpv6", "sctp", "udplite", "dccp"];

    /// <summary>The protocols of <see cref="Protocols"/> that have ports.</summary>
    public static readonly IReadOnlyList<string> PortProtocols = ["tcp", "udp", "sctp", "udplite", "dccp"];
}
