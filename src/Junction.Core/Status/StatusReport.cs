namespace Junction.Status;

/// <summary>
/// What <c>GET /v1/status</c> answers and <c>junction status</c> prints: the daemon's
/// snapshot and, per uplink in the same order, the live figures from the kernel.
/// </summary>
public sealed record StatusReport(
    DaemonSnapshot Daemon,
    IReadOnlyList<UplinkFigures> Uplinks,
    /// <summary>The span the new-connection counts cover: up to a minute, less just after start.</summary>
    TimeSpan Window,
    long Connections,
    IReadOnlyList<string> KernelErrors,
    /// <summary>How the live connection counts were had (<see cref="KernelFigures.Counting"/>).</summary>
    ConnectionCounting? Counting = null);

/// <summary>One uplink's live figures.</summary>
public sealed record UplinkFigures(
    string Name,
    /// <summary>New connections marked for this uplink over <see cref="StatusReport.Window"/> (inbound ones too).</summary>
    long NewConnections,
    /// <summary>Share of all uplinks' new connections over the window; null when there were none.</summary>
    double? NewShare,
    /// <summary>New connections since the daemon started sampling; survives re-applies.</summary>
    long NewConnectionsTotal,
    /// <summary>Conntrack entries carrying this uplink's mark now.</summary>
    long Connections,
    double? ConnectionShare,
    long? ReceiveBytes,
    long? TransmitBytes,
    IReadOnlyList<SnatUse> Snat);

/// <summary>Live connections that leave with one SNAT pool address.</summary>
public sealed record SnatUse(string Address, long Connections);
