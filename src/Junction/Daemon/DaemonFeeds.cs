using System.Threading.Channels;
using Junction.Linux.Netlink;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>Background producers that only post into the loop's inbox: link events and the clock's tick.</summary>
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

    public static async Task Ticker(TimeSpan interval, TimeProvider time, ChannelWriter<DaemonEvent> inbox, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, stop).ConfigureAwait(false);
                inbox.TryWrite(new Tick());
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
