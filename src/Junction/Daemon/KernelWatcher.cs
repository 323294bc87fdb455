using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>
/// Feeds the kernel's change notifications (<see cref="IDaemonKernel.WatchKernel"/>) into the
/// daemon's inbox as <see cref="KernelTouched"/>. Without them (no kernel support, a fake
/// kernel) nothing is fed and the periodic table check remains the only safety net.
/// </summary>
internal sealed class KernelWatcher : IAsyncDisposable
{
    private readonly IDisposable? _owner;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump = Task.CompletedTask;

    private KernelWatcher(ChannelReader<Linux.Netlink.KernelChanged>? changes, IDisposable? owner, ChannelWriter<DaemonEvent> inbox, ILogger log)
    {
        _owner = owner;
        if (changes is not null) _pump = Pump(changes, inbox, log, _stop.Token);
    }

    public static KernelWatcher Open(IDaemonKernel kernel, ChannelWriter<DaemonEvent> inbox, ILogger log)
    {
        try
        {
            return kernel.WatchKernel() is { } watch
                ? new KernelWatcher(watch.Changes, watch.Owner, inbox, log)
                : new KernelWatcher(null, null, inbox, log);
        }
        catch (Linux.Interop.KernelCallException e)
        {
            DaemonLog.WatchFailed(log, e.Message);
            return new KernelWatcher(null, null, inbox, log);
        }
    }

    private static async Task Pump(ChannelReader<Linux.Netlink.KernelChanged> changes, ChannelWriter<DaemonEvent> inbox, ILogger log, CancellationToken stop)
    {
        try
        {
            await foreach (var change in changes.ReadAllAsync(stop).ConfigureAwait(false))
                inbox.TryWrite(new KernelTouched(change.What));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            DaemonLog.WatchFailed(log, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
        _owner?.Dispose();
        _stop.Dispose();
    }
}
