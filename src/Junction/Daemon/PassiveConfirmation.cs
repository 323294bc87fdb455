using System.Threading.Channels;
using Junction.Health;
using Junction.Model;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>
/// Passive health only suspects an uplink; a burst of probes confirms it. The burst runs
/// off the loop and comes back as a <see cref="BurstDone"/>: a failed burst takes the
/// uplink down at once, an answered one drops the suspicion.
/// </summary>
internal sealed class PassiveConfirmation(DaemonSetup setup, ProbeSupervisor probes, ChannelWriter<DaemonEvent> inbox)
{
    /// <summary>Probes in a passive-health confirmation burst, and the gap between their starts.</summary>
    internal const int BurstProbes = 3;
    internal static readonly TimeSpan BurstGap = TimeSpan.FromMilliseconds(20);

    private readonly ILogger _log = setup.Logger;
    private readonly HashSet<string> _bursting = [];

    /// <summary>
    /// Passive health suspects an uplink: unless it is already down (or being confirmed), a
    /// burst of probes is sent at once, off the loop; <see cref="Confirmed"/> brings the result.
    /// </summary>
    public void Confirm(PassiveSuspicion s, JunctionModel model, HealthMonitor monitor, PassiveHealthFeed? passive)
    {
        var name = s.Uplink;
        if (monitor.Uplinks.GetValueOrDefault(name) is not { State: HealthState.Up } || !_bursting.Add(name)) return;
        var uplink = model.Uplinks.FirstOrDefault(u => u.Name == name);
        if (uplink is not { Probe.Enabled: true } || setup.Prober(model, uplink) is not { } round)
        {
            _bursting.Remove(name);
            PassiveLog.Unconfirmable(_log, name, s.Reason);
            passive?.Reset(name);
            return;
        }
        PassiveLog.Suspect(_log, name, s.Reason, BurstProbes, (int)BurstGap.TotalMilliseconds);
        var timeout = probes.Timeout(name) ?? uplink.Probe.Timeout;
        var epoch = probes.Epoch;
        var time = setup.Time;
        _ = Task.Run(async () =>
        {
            var rounds = new List<Task<ProbeRound>>();
            for (var i = 0; i < BurstProbes; i++)
            {
                if (i > 0) await Task.Delay(BurstGap, time).ConfigureAwait(false);
                rounds.Add(Probe(round, timeout));
            }
            inbox.TryWrite(new BurstDone(s, epoch, await Task.WhenAll(rounds).ConfigureAwait(false)));
        });
    }

    private static async Task<ProbeRound> Probe(Func<TimeSpan, CancellationToken, Task<ProbeRound>> round, TimeSpan timeout)
    {
        try
        {
            return await round(timeout, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return ProbeRound.Broken(e.Message);
        }
    }

    /// <summary>A failed burst takes the uplink down at once (the update returned); an answered one drops the suspicion.</summary>
    public HealthUpdate? Confirmed(BurstDone b, HealthMonitor monitor, PassiveHealthFeed? passive)
    {
        var name = b.Suspicion.Uplink;
        _bursting.Remove(name);
        if (b.Epoch != probes.Epoch || !monitor.Uplinks.ContainsKey(name)) return null;
        if (b.Failed)
            return monitor.ReportDead(name, $"passive: {b.Suspicion.Reason}; a burst of {b.Rounds.Count} probes failed: {b.Rounds[^1]}");
        PassiveLog.Cleared(_log, name, b.Rounds.First(r => r.Good).ToString());
        passive?.Reset(name);
        return null;
    }
}
