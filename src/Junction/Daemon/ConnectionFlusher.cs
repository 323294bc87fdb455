using Junction.Health;
using Junction.Linux.Processes;
using Junction.Model;
using Junction.Planning;
using Junction.Status;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>
/// Which uplinks' connections are owed a flush (by mark, never the whole table), and the
/// flushes themselves: those of failed or forced-down uplinks (flush: dead), and those
/// left on worse tiers once a better one has been back for the hold (failback: move).
/// Called by the loop only when the kernel holds the current plan.
/// </summary>
internal sealed class ConnectionFlusher(DaemonSetup setup)
{
    private readonly ILogger _log = setup.Logger;
    private readonly HashSet<string> _flushOwed = [];
    // When each owed flush became owed: in an HA pair it waits ha.flush-delay (see FlushOwed).
    private readonly Dictionary<string, DateTimeOffset> _flushOwedSince = [];
    private string? _flushHeldLogged;

    /// <summary>An operator forced the uplink down: flushed like a failure.</summary>
    public void Owe(string uplink) => _flushOwed.Add(uplink);

    /// <summary>The uplink went down at <paramref name="at"/>; owed unless it already was.</summary>
    public void Failed(string uplink, DateTimeOffset at)
    {
        if (_flushOwed.Add(uplink)) _flushOwedSince[uplink] = at;
    }

    /// <summary>The uplink came back before its flush was made: it keeps its connections.</summary>
    public void Forgive(string uplink) => _flushOwed.Remove(uplink);

    public void Clear() => _flushOwed.Clear();

    /// <summary>
    /// After the kernel stopped sending new connections to a failed uplink, its
    /// established ones are deleted from conntrack by mark (flush: dead), never the whole
    /// table. Before that apply succeeded, a flushed connection could be re-balanced onto
    /// the dead uplink, so the flush waits for it.
    /// <para>
    /// Not while no uplink is healthy: there is nowhere to move those connections, and
    /// the uplink may come back (issue 14); they stay owed. In an HA pair, a flush waits
    /// ha.flush-delay and then happens only on the VRRP master: conntrackd replicates
    /// deletions, and a router whose uplinks failed is handing its connections to the
    /// peer, whose uplinks carry them on. A flush there would delete them on the peer too.
    /// </para>
    /// </summary>
    public void FlushOwed(JunctionModel model, HaAgent? ha, DesiredState? applied)
    {
        if (_flushOwed.Count == 0) return;
        // With no healthy uplink there is nowhere better to send them: keep them owed until one is back.
        if (FlushGuard.NowhereBetter(applied))
        {
            if (_flushHeldLogged != string.Join(",", _flushOwed.Order()))
            {
                _flushHeldLogged = string.Join(",", _flushOwed.Order());
                HaAgent.FlushHeld(_log, string.Join(", ", _flushOwed.Order()));
            }
            return;
        }
        _flushHeldLogged = null;
        var now = setup.Time.GetUtcNow();
        foreach (var name in _flushOwed.Order().ToList())
        {
            if (model.Ha is { } haModel && ha is { } agent)
            {
                if (now < _flushOwedSince.GetValueOrDefault(name) + haModel.FlushDelay) continue;
                if (agent.Role() is { IsMaster: false } role)
                {
                    _flushOwed.Remove(name);
                    HaAgent.FlushSkipped(_log, name, role.Word, role.Detail);
                    continue;
                }
            }
            _flushOwed.Remove(name);
            if (model.Flush == FlushPolicy.None || model.Uplinks.FirstOrDefault(u => u.Name == name) is not { } uplink) continue;
            var mark = model.Marks.Value(uplink.Id);
            try
            {
                var n = setup.Kernel.FlushConntrack(mark, model.Marks.Mask, uplink.Families);
                DaemonLog.Flushed(_log, n, name, $"0x{mark:x}/0x{model.Marks.Mask:x}");
            }
            catch (Exception e) when (e is CommandFailedException or Linux.Interop.KernelCallException)
            {
                DaemonLog.FlushFailed(_log, name, e.Message);
            }
        }
    }

    /// <summary>
    /// When <see cref="FlushOwed"/> next has a flush to make that waits only for time: in an
    /// HA pair, the end of an owed flush's ha.flush-delay; null otherwise (without HA an owed
    /// flush is made at the first apply that succeeds, and one held because no uplink is
    /// healthy waits for one to come back).
    /// </summary>
    public DateTimeOffset? NextDue(JunctionModel model, HaAgent? ha, DesiredState? applied)
    {
        if (_flushOwed.Count == 0 || model.Ha is not { } haModel || ha is null || FlushGuard.NowhereBetter(applied)) return null;
        DateTimeOffset? next = null;
        foreach (var name in _flushOwed)
        {
            var at = _flushOwedSince.GetValueOrDefault(name) + haModel.FlushDelay;
            if (next is null || at < next) next = at;
        }
        return next;
    }

    /// <summary>
    /// failback: move. Once a better tier has been healthy for the hold, the connections
    /// left on worse tiers are deleted by mark, like a dead uplink's (flush: dead), so
    /// long-lived ones leave the reserve link. Called only when the kernel holds the
    /// current plan: a flushed connection is then re-balanced onto the better tier.
    /// </summary>
    public void FailbackOwed(JunctionModel model, HaAgent? ha, FailbackPolicy failback)
    {
        foreach (var f in failback.Due())
        {
            // In an HA pair only the master moves connections: a backup's deletions would
            // reach the master through conntrackd.
            if (ha is { } agent && agent.Role() is { IsMaster: false } role)
            {
                HaAgent.FlushSkipped(_log, f.Uplink.Name, role.Word, role.Detail);
                continue;
            }
            var mark = model.Marks.Value(f.Uplink.Id);
            try
            {
                var n = setup.Kernel.FlushConntrack(mark, model.Marks.Mask, f.Families);
                DaemonLog.FailbackFlushed(_log, f.BetterTier, StatusFormatter.Ago(model.FailbackHold), n, f.Uplink.Tier, f.Uplink.Name,
                    $"0x{mark:x}/0x{model.Marks.Mask:x}");
            }
            catch (Exception e) when (e is CommandFailedException or Linux.Interop.KernelCallException)
            {
                DaemonLog.FlushFailed(_log, f.Uplink.Name, e.Message);
            }
        }
    }
}
