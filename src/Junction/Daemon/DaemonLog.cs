using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>Every line the daemon logs, one event per line.</summary>
internal static partial class DaemonLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "starting: {Path}, {Uplinks} uplinks ({Names}), flush: {Flush}")]
    public static partial void Starting(ILogger logger, string path, int uplinks, string names, string flush);

    [LoggerMessage(Level = LogLevel.Information, Message = "link {Uplink} ({Interface}): {Signal}")]
    public static partial void Link(ILogger logger, string uplink, string @interface, string signal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "link events were lost (ENOBUFS); re-reading every interface")]
    public static partial void EventsLost(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "uplink {Uplink}: {From} -> {To} ({Reason})")]
    public static partial void Transition(ILogger logger, string uplink, string from, string to, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "probe engine: {Reason} (probing goes on)")]
    public static partial void ProbeEngineFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Trace, Message = "probe {Uplink}: {Round}")]
    public static partial void Round(ILogger logger, string uplink, string round);

    [LoggerMessage(Level = LogLevel.Information, Message = "applied: {Balancing}; {Summary} ({Milliseconds} ms)")]
    public static partial void Applied(ILogger logger, string balancing, string summary, long milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "applied: {Action} {Subject} {Description}")]
    public static partial void AppliedChange(ILogger logger, string action, string subject, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "nftables table {Table} {What} behind our back: re-applying")]
    public static partial void TableDrifted(ILogger logger, string table, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What}: the kernel no longer holds the plan ({Count} changes owed, first: {First}); applying it again")]
    public static partial void KernelDrifted(ILogger logger, string what, int count, string first);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot watch the kernel for changes to Junction's table, rules and routes ({Reason}); only the periodic check will notice them")]
    public static partial void WatchFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not compare the kernel with the plan after a change notification: {Reason}")]
    public static partial void KernelCheckFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "could not read the installed table to check it: {Reason}")]
    public static partial void TableCheckFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "routes of {Uplinks} left out until their interfaces can take them")]
    public static partial void Unroutable(ILogger logger, string uplinks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "uplink {Uplink} planned out: {Reason}; the other uplinks keep balancing, and it is tried again in {RetrySeconds} s or when its link changes")]
    public static partial void GatewayRefused(ILogger logger, string uplink, string reason, long retrySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "apply failed ({Failures} in a row), retrying in {RetryMs} ms: {Reason}")]
    public static partial void ApplyFailed(ILogger logger, int failures, long retryMs, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "conntrack: deleted {Count} entries of {Uplink} (mark {Mark})")]
    public static partial void Flushed(ILogger logger, int count, string uplink, string mark);

    [LoggerMessage(Level = LogLevel.Error, Message = "conntrack flush of {Uplink} failed: {Reason}")]
    public static partial void FlushFailed(ILogger logger, string uplink, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "failback: tier {Better} healthy for {Hold}: deleted {Count} conntrack entries of tier-{Tier} uplink {Uplink} (mark {Mark})")]
    public static partial void FailbackFlushed(ILogger logger, int better, string hold, int count, int tier, string uplink, string mark);

    [LoggerMessage(Level = LogLevel.Information, Message = "reloading {Path}")]
    public static partial void Reloading(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "config error: {Error}")]
    public static partial void ConfigError(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "reload rejected ({Errors}): the running configuration stays in force")]
    public static partial void ReloadRejected(ILogger logger, string errors);

    [LoggerMessage(Level = LogLevel.Information, Message = "reloaded: {Uplinks} uplinks; health state {Kept}")]
    public static partial void Reloaded(ILogger logger, int uplinks, string kept);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopping: {What}")]
    public static partial void Stopping(ILogger logger, string what);

    [LoggerMessage(Level = LogLevel.Error, Message = "flush on exit failed (attempt {Attempt} of 3): {Reason}")]
    public static partial void FlushOnExitFailed(ILogger logger, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "link events stopped: {Reason}")]
    public static partial void ListenerFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "serving status on {Socket}; metrics listener: {Metrics}")]
    public static partial void Serving(ILogger logger, string socket, string metrics);

    [LoggerMessage(Level = LogLevel.Information, Message = "metrics listener moved: {From} -> {To}")]
    public static partial void MetricsMoved(ILogger logger, string from, string to);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason}; metrics listener: {Now}")]
    public static partial void MetricsMoveFailed(ILogger logger, string reason, string now);

    [LoggerMessage(Level = LogLevel.Information, Message = "open files: up to {Limit}; connections at most {Control} on the control socket and {Metrics} on metrics")]
    public static partial void FileLimit(ILogger logger, ulong limit, int control, int metrics);

    [LoggerMessage(Level = LogLevel.Warning, Message = "open-file limit {Limit} is low: probes and applies need descriptors beyond the {Connections} connections the listeners may hold; raise LimitNOFILE")]
    public static partial void FileLimitLow(ILogger logger, ulong limit, int connections);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not raise the open-file limit: {Reason}")]
    public static partial void FileLimitFailed(ILogger logger, string reason);
}
