namespace Junction.Cli.Control;

/// <summary>
/// What a client of the control socket or the metrics listener may hold. Without limits,
/// ~20,000 idle connections took every file descriptor the daemon had: probes failed with
/// "Too many open files", an apply could not start a thread, and the daemon exited. <see cref="HttpServer"/>
/// accepts a connection over <see cref="ControlConnections"/> or <see cref="MetricsConnections"/>
/// and closes it at once, and closes one that has not sent its request headers within
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

    /// <summary>From a connection's (or a next request's) first byte to the end of its request head and body.</summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a connection may sit idle between requests, and the most an answer may take to be sent.</summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Both listeners together: what a flood can cost at most.</summary>
    public const int Total = ControlConnections + MetricsConnections;
}
