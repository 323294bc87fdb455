using Junction.Health;
using Junction.Model;
using Junction.Status;

namespace Junction.Cli.Daemon;

/// <summary>
/// Builds the immutable <see cref="DaemonSnapshot"/> that status and metrics read, from
/// the loop's state: the configuration, health, what the kernel holds and the probes.
/// </summary>
internal sealed class SnapshotBuilder(DaemonSetup setup, DateTimeOffset startedAt)
{
    /// <summary>The balance mode as the configuration spells it.</summary>
    private static string Word(BalanceMode mode) => Vocabulary.Balance.Word(mode);

    public DaemonSnapshot Build(JunctionModel model, HealthMonitor monitor, OperatorOverrides operators,
        IReadOnlyDictionary<string, ProbeHistory> histories, IReadOnlyDictionary<string, long> changes, LinkTable links,
        ApplyRunner applier, ProbeSupervisor probes, FailbackPolicy failback, HaAgent? ha, DateTimeOffset? configLoadedAt)
    {
        var now = setup.Time.GetUtcNow();
        var plan = applier.State.Plan;
        var uplinks = model.Uplinks.Select(u =>
        {
            var health = monitor.Uplinks[u.Name];
            var history = histories.GetValueOrDefault(u.Name);
            var planned = plan?.Uplinks.FirstOrDefault(p => p.Name == u.Name);
            return new UplinkSnapshot(u.Name, u.Interface, u.Weight, model.Marks.Value(u.Id), model.Marks.Table(u.Id),
                planned is { Healthy: true } ? planned.Share : 0, health.State, health.Since, health.Reason,
                changes.GetValueOrDefault(u.Name), history?.LastRtt, u.Probe.Enabled ? history?.Loss : null,
                links.Carrier(u.Name), u.Snat.Pool.Select(a => a.ToString()).ToList())
            {
                Tier = u.Tier,
                InUse = planned is { InUse: true },
                PlannedOut = applier.Gateways.Reason(u.Name),
                Operator = operators.Of(u.Name),
                ProbeTimeout = probes.Timeout(u.Name),
            };
        }).ToList();
        return new DaemonSnapshot(setup.ConfigPath, startedAt, now, Word(model.Balance), model.Marks.Mask,
            plan?.Fallback ?? true,
            applier.State.Stats(configLoadedAt),
            uplinks)
        {
            TableDrift = applier.State.TableDrift,
            FailbackDue = failback.DueAt,
            Ha = ha is { } agent && agent.Role() is var role ? new HaSnapshot(role.Word, role.Detail, agent.Reported, agent.Model.StateDirectory) : null,
        };
    }
}
