using System.Threading.Channels;
using Junction.Linux.Apply;
using Junction.Linux.Netlink;
using Junction.Model;
using Junction.Planning;

namespace Junction.Cli.Daemon.Tests;

/// <summary>A kernel that records what the daemon asked of it, and fails applies on request.</summary>
internal sealed class FakeKernel : IDaemonKernel
{
    public IReadOnlyList<LinkEvent> Links { get; set; } = LinkTableTests.AllUp;
    public List<DesiredState> Applied { get; } = [];
    public List<(uint Mark, uint Mask)> Flushed { get; } = [];
    public int FailNext { get; set; }
    public int Attempts { get; private set; }
    public bool FlushedAll { get; private set; }

    /// <summary>The plan hash the installed table carries: the last plan applied, unless a test says otherwise.</summary>
    public string? Installed { get; set; }

    /// <summary>Reading the installed table fails while set.</summary>
    public bool UnreadableTable { get; set; }

    public int TableReads { get; private set; }

    /// <summary>What every successful apply reports having changed.</summary>
    public IReadOnlyList<Change> Changes { get; set; } = [];

    public IReadOnlyList<LinkEvent> ReadLinks() => Links;

    public (ChannelReader<LinkEvent> Events, IDisposable Owner)? ListenLinks() => null;

    /// <summary>Interfaces whose default routes the "kernel" refuses, as it does a gateway off the interface's networks.</summary>
    public HashSet<string> RefusedGateways { get; } = [];

    public ApplyResult Apply(DesiredState plan)
    {
        Attempts++;
        if (plan.Routes.FirstOrDefault(r => RefusedGateways.Contains(r.Device)) is { } refused)
            throw new ApplyFailedException("apply",
                new Change(ChangeAction.Add, ChangeSubject.Route, refused.ToString()) { RouteTable = refused.Table },
                "Error: Nexthop has invalid gateway.", []);
        if (FailNext > 0)
        {
            FailNext--;
            throw new ApplyFailedException("apply", null, "nft: Operation not permitted", []);
        }
        Applied.Add(plan);
        var owner = Ownership.For(plan);
        Installed = owner.PlanHash;
        return new ApplyResult("apply", Changes, false) { Owner = owner };
    }

    public string? InstalledPlanHash()
    {
        TableReads++;
        if (UnreadableTable) throw new ApplyFailedException("status", null, "nft: Operation not permitted", []);
        return Installed;
    }

    public int FlushConntrack(uint mark, uint mask, Families families)
    {
        Flushed.Add((mark, mask));
        return 3;
    }

    public ApplyResult Flush()
    {
        FlushedAll = true;
        return new ApplyResult("flush", [], false);
    }
}
