using System.Threading.Channels;
using Junction.Linux.Apply;
using Junction.Linux.Conntrack;
using Junction.Linux.Netlink;
using Junction.Linux.Processes;
using Junction.Model;
using Junction.Planning;

namespace Junction.Cli.Daemon;

/// <summary>The daemon's kernel: the network namespace the process runs in.</summary>
internal sealed class LinuxKernel(CommandRunner runner) : IDaemonKernel
{
    private readonly KernelApplier _applier = new(runner);
    private readonly ConntrackFlusher _conntrack = new(runner);

    public IReadOnlyList<LinkEvent> ReadLinks() => LinkDump.Read(runner);

    public (ChannelReader<LinkEvent> Events, IDisposable Owner)? ListenLinks()
    {
        var listener = RtnetlinkListener.Open();
        return (listener.Events, listener);
    }

    private KernelChangeWatcher? _watcher;

    public ApplyResult Apply(DesiredState plan)
    {
        var result = _applier.Apply(plan);
        // Changes to rules and routes count inside the ranges this plan owns.
        var owner = result.Owner!;
        _watcher?.Watch(new KernelChangeWatcher.Scope(owner.Tables, owner.Priorities));
        return result;
    }

    public (ChannelReader<KernelChanged> Changes, IDisposable Owner)? WatchKernel()
    {
        _watcher = KernelChangeWatcher.Open(DesiredState.TableName);
        return (_watcher.Changes, _watcher);
    }

    public IReadOnlyList<Change> Drift(DesiredState plan) => _applier.Apply(plan, dryRun: true).Changes;

    public string? InstalledPlanHash() => _applier.InstalledOwnership()?.PlanHash;

    public int FlushConntrack(uint mark, uint mask, Families families) => _conntrack.Flush(mark, mask, families);

    public ApplyResult Flush() => _applier.Flush();
}
