using System.Threading.Channels;
using Junction.Linux.Netlink;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>A background producer that only posts into the loop's inbox: link events.</summary>
internal static class DaemonFeeds
{
    public static async Task Pump(ChannelReader<LinkEvent> events, ChannelWriter<DaemonEvent> inbox, ILogger log, CancellationToken stop)
    {
        try
        {
            await foreach (var e in events.ReadAllAsync(stop).ConfigureAwait(false))
                inbox.TryWrite(new LinkObserved(e));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Without link events only probes notice failures: slower, but still safe.
            DaemonLog.ListenerFailed(log, e.Message);
        }
    }
}
