using System.Net;

namespace Junction.Cli.Control;

/// <summary>Where the daemon's control socket and metrics listener live, and how often it samples counters.</summary>
public sealed record ControlOptions
{
    public const string DefaultSocketPath = "/run/junction/junction.sock";

    /// <summary>The Unix socket for status and explain (mode 0600; its directory is made 0700 when created).</summary>
    public string SocketPath { get; init; } = DefaultSocketPath;

    /// <summary>The Prometheus listener (only <c>/metrics</c>); null, the default, for none.</summary>
    public IPEndPoint? MetricsListen { get; init; }

    /// <summary>How often the new-connection counters are sampled for the one-minute window.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Carries out drain/down/up/auto requests (the daemon); null: the endpoint answers 404.</summary>
    public IOperatorControl? Operator { get; init; }
}
