using System.Threading.Channels;
using Junction.Linux.Apply;
using Junction.Linux.Netlink;
using Junction.Model;
using Junction.Planning;

namespace Junction.Cli.Daemon;

/// <summary>What the daemon's loop asks of the kernel; tests give it a fake.</summary>
internal interface IDaemonKernel
{
    /// <summary>Every interface and address there is now.</summary>
    IReadOnlyList<LinkEvent> ReadLinks();

    /// <summary>Link and address events from now on; null when there are none to have.</summary>
    (ChannelReader<LinkEvent> Events, IDisposable Owner)? ListenLinks();

    /// <exception cref="ApplyFailedException">refused; the kernel is as it was (the applier rolled back).</exception>
    ApplyResult Apply(DesiredState plan);

    /// <summary>
    /// The plan hash in the ownership record of Junction's installed nftables table; null
    /// when there is no such table (or it carries no record).
    /// </summary>
    /// <exception cref="ApplyFailedException">the table could not be read.</exception>
    string? InstalledPlanHash();

    /// <summary>Deletes the conntrack entries with this mark; returns how many.</summary>
    int FlushConntrack(uint mark, uint mask, Families families);

    /// <summary>Removes everything Junction owns.</summary>
    ApplyResult Flush();

    /// <summary>
    /// Notices of changes to Junction's table, rules or routes made by anyone (Junction's
    /// own writes included); null when there are none to have.
    /// </summary>
    (ChannelReader<KernelChanged> Changes, IDisposable Owner)? WatchKernel() => null;

    /// <summary>What would have to change for the kernel to hold <paramref name="plan"/>; empty when it does.</summary>
    /// <exception cref="ApplyFailedException">the kernel could not be read.</exception>
    IReadOnlyList<Change> Drift(DesiredState plan) => [];
}
