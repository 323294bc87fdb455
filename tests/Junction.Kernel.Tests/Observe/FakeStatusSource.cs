using Junction.Health;
using Junction.Model;
using Junction.Planning;
using Junction.Status;

namespace Junction.Kernel.Tests.Observe;

/// <summary>
/// Stands in for the daemon (built in parallel): a snapshot made from the model and a
/// plan, every uplink up unless listed as down. The kernel figures reported beside it are
/// real; only health, probes and apply statistics are made up.
/// </summary>
internal sealed class FakeStatusSource(JunctionModel model, string configPath, params string[] down) : IStatusSource
{
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow.AddMinutes(-5);

    public DaemonSnapshot Snapshot()
    {
        var now = DateTimeOffset.UtcNow;
        var plan = Planner.Plan(model, down.ToHashSet());
        return new DaemonSnapshot(configPath, _started, now, Junction.Model.Vocabulary.Balance.Word(model.Balance), model.Marks.Mask, plan.Fallback,
            new ApplyStats(1, 0, _started.AddSeconds(1), TimeSpan.FromMilliseconds(35), null, _started),
            plan.Uplinks.Select(u => new UplinkSnapshot(u.Name, u.Interface, u.Weight, u.Mark, u.Table, u.Share,
                u.Healthy ? HealthState.Up : HealthState.Down, _started.AddSeconds(2), u.Healthy ? "5 good rounds" : "3 bad rounds", 1,
                u.Healthy ? TimeSpan.FromMilliseconds(0.4) : null, u.Healthy ? 0 : 1, true,
                u.Snat.Pool.Select(a => a.ToString()).ToList()) { Tier = u.Tier, InUse = u.InUse }).ToList());
    }
}
