using System.Net;

namespace Junction.Model;

/// <summary>How an uplink is probed.</summary>
public enum ProbeKind
{
    /// <summary>ICMP (or ICMPv6) echo request and reply.</summary>
    Icmp,
    /// <summary>A TCP handshake to an address and port; the connection is closed at once.</summary>
    Tcp,
}

/// <summary>One address an uplink's probes are sent to; <see cref="Port"/> only for TCP.</summary>
public sealed record ProbeTarget(IPAddress Address, int? Port)
{
    public override string ToString() => Port is not { } port
        ? Address.ToString()
        : new IPEndPoint(Address, port).ToString();
}

/// <summary>
/// The validated <c>probe:</c> of one uplink. A round sends one probe to every target at
/// once; it is good when at least <see cref="Require"/> targets answer within
/// <see cref="Timeout"/>. <see cref="DownAfter"/> bad rounds in a row take the uplink
/// down, <see cref="UpAfter"/> good rounds in a row bring it back.
/// </summary>
public sealed record ProbeModel(
    ProbeKind Kind,
    IReadOnlyList<ProbeTarget> Targets,
    TimeSpan Interval,
    TimeSpan Timeout,
    int DownAfter,
    int UpAfter,
    int Require)
{
    // Worst case to notice a silently dead link: the link dies just after a good round,
    // the next DownAfter rounds start one Interval apart and the last one waits Timeout:
    // 3 x 200 ms + 300 ms = 900 ms, under the 1 s target (the scheduler's jitter is at
    // most 5 % of the interval, 30 ms over three rounds).
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(300);
    public const int DefaultDownAfter = 3;
    // Coming back is deliberately slower than going away (1 s of good rounds): a link
    // that answers once between losses must not pull connections back onto itself.
    public const int DefaultUpAfter = 5;
    public const int DefaultRequire = 1;

    /// <summary>
    /// No probes: a point-to-point uplink without a gateway and without a <c>probe:</c>
    /// section is watched through its link state only.
    /// </summary>
    public static readonly ProbeModel None =
        new(ProbeKind.Icmp, [], DefaultInterval, DefaultTimeout, DefaultDownAfter, DefaultUpAfter, DefaultRequire);

    /// <summary>Whether there is anything to probe.</summary>
    public bool Enabled => Targets.Count > 0;

    /// <summary>The longest a silently dead link can go unnoticed, jitter aside.</summary>
    public TimeSpan WorstCaseDetection => Interval * DownAfter + Timeout;
}
