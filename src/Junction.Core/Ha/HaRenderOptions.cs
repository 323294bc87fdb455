using System.Net;

namespace Junction.Ha;

/// <summary>
/// What differs between the two routers of a pair, or is not in the Junction file: the
/// VRRP identity and priority, the LAN's virtual gateway address and the sync link. The
/// Junction file itself is the same on both routers.
/// </summary>
public sealed record HaRenderOptions
{
    public const int DefaultVirtualRouterId = 51;
    public const int DefaultTrackWeight = 20;
    public const int DefaultPort = 3780;
    public const string DefaultConfigDirectory = "/etc/junction/ha";

    /// <summary>keepalived's <c>router_id</c>: a name for this router in logs.</summary>
    public required string RouterId { get; init; }

    /// <summary>VRRP priority, 1-254: the higher one is master while both are healthy.</summary>
    public required int Priority { get; init; }

    public int VirtualRouterId { get; init; } = DefaultVirtualRouterId;

    /// <summary>The clients' gateway (e.g. 10.9.0.1), on the first LAN interface.</summary>
    public required IPAddress LanVirtualAddress { get; init; }

    /// <summary>The LAN's prefix length, so the virtual address joins the LAN's subnet.</summary>
    public int LanPrefixLength { get; init; } = 24;

    /// <summary>VRRP advertisement interval; keepalived's VRRPv3 takes centiseconds.</summary>
    public TimeSpan AdvertInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Priority lost per unhealthy uplink; keep the two routers' priorities closer together than this.</summary>
    public int TrackWeight { get; init; } = DefaultTrackWeight;

    public bool Preempt { get; init; } = true;

    /// <summary>
    /// keepalived's preempt_delay: how long a router waits before it preempts a
    /// lower-priority master, after its start <em>and</em> whenever it sees one. 0 by default:
    /// it would also delay the takeover from a master whose uplinks died. A returning
    /// router waits for conntrackd's resync through Junction's ha.hold-after-start instead.
    /// </summary>
    public TimeSpan PreemptDelay { get; init; } = DefaultPreemptDelay;

    public static readonly TimeSpan DefaultPreemptDelay = TimeSpan.Zero;

    public required string SyncInterface { get; init; }
    public required IPAddress SyncAddress { get; init; }
    public required IPAddress PeerSyncAddress { get; init; }
    public int SyncPort { get; init; } = DefaultPort;

    /// <summary>Where keepalived.conf, conntrackd.conf and the notify script live (the script names conntrackd.conf by this path).</summary>
    public string ConfigDirectory { get; init; } = DefaultConfigDirectory;

    /// <summary>conntrackd's log file; null: none (conntrackd's "LogFile off").</summary>
    public string? ConntrackdLog { get; init; }

    /// <summary>The Junction file the files were made from, named in their headers.</summary>
    public string Source { get; init; } = "";
}
