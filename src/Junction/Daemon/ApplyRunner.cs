using System.Diagnostics;
using Junction.Linux.Apply;
using Junction.Linux.Processes;
using Junction.Model;
using Junction.Planning;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>
/// Keeps the kernel holding the plan the current inputs ask for: applies when one is owed
/// (at once for a health or configuration change, paced by <see cref="ApplyPacer"/> when
/// only routes changed), retries a failed apply with a doubling delay, plans out an uplink
/// whose gateway the kernel refused, and notices when something else changed the kernel
/// behind the daemon's back (the drift checks). Deciding stays in the <see cref="Planner"/>;
/// what the kernel holds is kept in <see cref="AppliedState"/>.
/// </summary>
internal sealed class ApplyRunner(DaemonSetup setup)
{
    private readonly ILogger _log = setup.Logger;
    private readonly TimeProvider _time = setup.Time;
    private readonly ApplyPacer _pacer = new(setup.RouteApplyInterval);

    public AppliedState State { get; } = new();

    // Uplinks whose default route the kernel refused (gateway not on the interface's networks).
    public RefusedGateways Gateways { get; } = new();

    /// <summary>
    /// Applies when the kernel holds another plan than the inputs ask for, unless a retry is
    /// not yet due. True when the kernel holds the current plan afterwards (owed flushes may follow).
    /// </summary>
    public bool Converge(JunctionModel model, IReadOnlySet<string> unhealthy, IReadOnlySet<string> unroutable)
    {
        var urgent = State.Urgent(model, unhealthy);
        var owed = urgent || !State.Unroutable.SetEquals(unroutable);
        // Only which uplinks can take routes changed (a link flapping under a health hold): paced, see ApplyPacer.
        var now = _time.GetUtcNow();
        if (owed && now >= State.RetryAt && (urgent || _pacer.Due(now))) return Apply(model, unhealthy, unroutable);
        return !owed;
    }

    /// <summary>
    /// When <see cref="Converge"/> or <see cref="CheckTable"/> next has work that no new input
    /// brings: an owed apply waiting for its retry or the pacer, the next table check; null:
    /// nothing until an input arrives. The same sets as <see cref="Converge"/> was given.
    /// </summary>
    public DateTimeOffset? NextDue(JunctionModel model, IReadOnlySet<string> unhealthy, IReadOnlySet<string> unroutable)
    {
        DateTimeOffset? next = State.Hash is not null && State.TableDrift is null ? State.NextTableCheck : null;
        var urgent = State.Urgent(model, unhealthy);
        if (!urgent && State.Unroutable.SetEquals(unroutable)) return next;
        var apply = urgent || _pacer.NextAt < State.RetryAt ? State.RetryAt : _pacer.NextAt;
        return next is { } check && check < apply ? check : apply;
    }

    private bool Apply(JunctionModel model, IReadOnlySet<string> unhealthySet, IReadOnlySet<string> unroutable)
    {
        var unhealthy = unhealthySet.ToHashSet();
        var plan = Planner.Plan(model, unhealthy, unroutable);
        var started = Stopwatch.GetTimestamp();
        // Attempts, successful or not (junction_applies_total); failures are counted apart.
        State.Applies++;
        _pacer.Attempted(_time.GetUtcNow());
        try
        {
            var result = setup.Kernel.Apply(plan);
            var duration = Stopwatch.GetElapsedTime(started);
            State.Succeeded(model, unhealthy, unroutable, plan, result.Owner?.PlanHash, duration, _time.GetUtcNow(), setup.TableCheckInterval);
            var healthy = plan.Uplinks.Where(u => u.Healthy).Select(u => u.Name).ToList();
            DaemonLog.Applied(_log, healthy.Count == 0 ? "no uplink is healthy, new connections follow the main table" : $"balancing over {string.Join(", ", healthy)}",
                ApplySummary.Of(result), (long)duration.TotalMilliseconds);
            foreach (var c in result.Changes)
                DaemonLog.AppliedChange(_log, ApplySummary.Word(c.Action), ApplySummary.Word(c.Subject), c.Description);
            if (unroutable.Count > 0) DaemonLog.Unroutable(_log, string.Join(", ", unroutable.Order()));
            return true;
        }
        catch (ApplyFailedException e) when (RefusedGateways.Refused(e, model) is { } refused && !Gateways.Contains(refused.Uplink))
        {
            // Plan the uplink out as if its interface were down and apply again at once:
            // each uplink is added once, so this ends after at most one apply per uplink.
            State.Failures++;
            Gateways.Add(refused.Uplink, refused.Reason, _time.GetUtcNow());
            DaemonLog.GatewayRefused(_log, refused.Uplink, refused.Reason, (long)setup.GatewayRetry.TotalSeconds);
            return Apply(model, unhealthySet, Gateways.With(unroutable));
        }
        catch (Exception e) when (e is ApplyFailedException or CommandFailedException)
        {
            State.LastDuration = Stopwatch.GetElapsedTime(started);
            State.Failures++;
            State.FailuresInRow++;
            State.LastError = e.Message;
            var wait = TimeSpan.FromTicks(Math.Min(setup.RetryMax.Ticks,
                setup.RetryFirst.Ticks * (1L << Math.Min(State.FailuresInRow - 1, 20))));
            State.RetryAt = _time.GetUtcNow() + wait;
            DaemonLog.ApplyFailed(_log, State.FailuresInRow, (long)wait.TotalMilliseconds, e.Message);
            return false;
        }
    }

    /// <summary>
    /// Something else may remove or replace Junction's table behind the daemon's back: `nft
    /// flush ruleset` does, and nftables.service runs it on start and reload. Every
    /// <see cref="DaemonSetup.TableCheckInterval"/> the installed table's ownership record is
    /// compared with the plan applied last (one read of the table); a difference makes the
    /// plan owed again, and status warns until an apply puts it back.
    /// </summary>
    public void CheckTable()
    {
        var now = _time.GetUtcNow();
        if (State.Hash is not { } ours || State.TableDrift is not null || now < State.NextTableCheck) return;
        State.NextTableCheck = now + setup.TableCheckInterval;
        string? installed;
        try
        {
            installed = setup.Kernel.InstalledPlanHash();
        }
        catch (Exception e) when (e is ApplyFailedException or CommandFailedException)
        {
            // Not proof of a change: the next check, or the next apply, will tell.
            DaemonLog.TableCheckFailed(_log, e.Message);
            return;
        }
        if (installed == ours) return;
        var table = $"{DesiredState.TableFamily} {DesiredState.TableName}";
        var what = installed is null ? "missing" : $"changed (it carries plan {installed}, not {ours})";
        State.TableDrift = $"nftables table {table} {what}: the kernel does not hold the daemon's plan";
        DaemonLog.TableDrifted(_log, table, what);
    }

    /// <summary>
    /// A notification said Junction's table, rules or routes changed: if the kernel no longer
    /// holds the plan applied last (not just Junction's own write being notified), the plan is
    /// owed again and applied at once, instead of at the next periodic check.
    /// </summary>
    public void CheckKernel(string what)
    {
        if (State.Plan is not { } plan || State.TableDrift is not null) return;
        IReadOnlyList<Change> drift;
        try
        {
            drift = setup.Kernel.Drift(plan);
        }
        catch (Exception e) when (e is ApplyFailedException or Linux.Interop.KernelCallException)
        {
            DaemonLog.KernelCheckFailed(_log, e.Message);
            return;
        }
        if (drift.Count == 0) return;
        State.TableDrift = $"{what}: the kernel does not hold the daemon's plan ({drift.Count} changes owed, first: {drift[0]})";
        DaemonLog.KernelDrifted(_log, what, drift.Count, drift[0].ToString());
    }

    /// <summary>
    /// On exit: with --flush-on-exit, removes Junction's kernel state; otherwise leaves it,
    /// so connections keep flowing while the daemon restarts.
    /// </summary>
    public async Task LeaveKernel()
    {
        if (setup.FlushOnExit)
        {
            DaemonLog.Stopping(_log, "--flush-on-exit: removing Junction's table, rules and routes");
            // Reading the kernel can fail for a moment (a route dump interrupted by a
            // concurrent change); there is no later retry after exit, so try a few times.
            for (var attempt = 1; attempt <= 3; attempt++)
            {
                try
                {
                    setup.Kernel.Flush();
                    break;
                }
                catch (Exception e) when (e is ApplyFailedException or CommandFailedException)
                {
                    DaemonLog.FlushOnExitFailed(_log, attempt, e.Message);
                    if (attempt < 3) await Task.Delay(TimeSpan.FromMilliseconds(200), _time, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        else
        {
            DaemonLog.Stopping(_log, "kernel state left in place (connections keep flowing; 'junction flush' removes it)");
        }
    }
}
