using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Junction.Cli.Control;

/// <summary>
/// What a client of the control socket or the metrics listener may hold. Without limits,
/// ~20,000 idle connections took every file descriptor the daemon had: probes failed with
/// "Too many open files", an apply could not start a thread, and the daemon exited. Kestrel
/// accepts a connection over <see cref="MaxConcurrentConnections"/> and closes it at once,
/// and closes one that has not sent its request headers within
/// <see cref="RequestHeadersTimeout"/> or sits idle past <see cref="KeepAliveTimeout"/>: so
/// a flood costs the daemon a bounded number of descriptors, far below its open-file
/// limit, and the probes, the applier's processes and the netlink sockets keep the rest.
/// </summary>
internal static class ListenerLimits
{
    /// <summary>The control socket: root's status and explain calls, a few at a time.</summary>
    public const int ControlConnections = 64;

    /// <summary>The metrics listener: one or two Prometheus servers scraping.</summary>
    public const int MetricsConnections = 16;

    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Both listeners together: what a flood can cost at most.</summary>
    public const int Total = ControlConnections + MetricsConnections;

    public static void Apply(KestrelServerOptions kestrel, int maxConcurrentConnections)
    {
        var limits = kestrel.Limits;
        limits.MaxConcurrentConnections = maxConcurrentConnections;
        limits.MaxConcurrentUpgradedConnections = 0;
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.KeepAliveTimeout = KeepAliveTimeout;
        // Every endpoint is a GET: no body, short URLs (an explain query is under 200 bytes).
        limits.MaxRequestBodySize = 1024;
        limits.MaxRequestLineSize = 4 * 1024;
        limits.MaxRequestHeadersTotalSize = 16 * 1024;
        limits.MaxRequestHeaderCount = 32;
        limits.Http2.MaxStreamsPerConnection = 4;
    }
}
