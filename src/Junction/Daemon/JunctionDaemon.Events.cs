using Junction.Health;
using Junction.Linux.Netlink;
using Junction.Model;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>
/// What one event of a batch does (JunctionDaemon.cs runs the batch, then applies at most
/// once): probe rounds and link signals go to the state machines, whose transitions are
/// logged, counted and turned into owed flushes; the rest is handed to the collaborator
/// that owns it. Nothing here touches the kernel.
/// </summary>
internal sealed partial class JunctionDaemon
{
    private void Handle(DaemonEvent e)
    {
        switch (e)
        {
            case ProbeReported r:
                Reported(r.Uplink, r.Epoch, r.Round, record: true);
                break;
            case ProbesReported many:
                // The engine recorded and traced these (and the rounds it kept back) itself.
                foreach (var r in many.Reports) Reported(many.Uplinks[r.Job], many.Epoch, r.Round, record: false);
                break;
            case LinkObserved { Event: EventsLost }:
                DaemonLog.EventsLost(_log);
                Signal(_links.Reset(ReadLinksOrEmpty()));
                break;
            case LinkObserved link:
                Signal(_links.Observe(link.Event));
                break;
            case KernelTouched touched:
                _applier.CheckKernel(touched.What);
                break;
            case ReloadRequested:
                Reload();
                break;
            case Tick:
                // What is due is looked at after every batch; this one only marks the alarm as rung.
                _alarm.Rang();
                break;
            case OperatorChanged o:
                // Forced down flushes like a failure; anything else keeps the connections.
                if (o.To == OperatorMode.Down) _flusher.Owe(o.Uplink);
                else if (o.From == OperatorMode.Down && _health.Monitor.Uplinks.GetValueOrDefault(o.Uplink)?.State != HealthState.Down) _flusher.Forgive(o.Uplink);
                _operatorWaiting.Add(o.Done);
                break;
            case PassiveSuspected p:
                _confirmation.Confirm(p.Suspicion, _model, _health.Monitor, _passive);
                break;
            case BurstDone b:
                if (_confirmation.Confirmed(b, _health.Monitor, _passive) is { } dead) Log(dead);
                break;
        }
    }

    private void Reported(string uplink, long epoch, ProbeRound round, bool record)
    {
        if (epoch != _probes.Epoch || _health.Reported(uplink, round, record) is not { } update) return;
        if (record && _log.IsEnabled(LogLevel.Trace)) DaemonLog.Round(_log, uplink, round.ToString());
        Log(update);
    }

    private void Signal(IReadOnlyList<(string Uplink, LinkSignal Signal)> signals)
    {
        foreach (var (uplink, signal) in signals)
        {
            // A changed link may have brought the gateway's network: try the route again.
            _applier.Gateways.Forget(uplink);
            DaemonLog.Link(_log, uplink, _model.Uplink(uplink).Interface, signal switch
            {
                LinkSignal.CarrierDown => "carrier lost (or the interface is down or gone)",
                LinkSignal.CarrierUp => "carrier back",
                LinkSignal.AddressLost => "no address left",
                _ => "address back",
            });
            Log(_health.Monitor.Report(uplink, signal));
        }
    }

    private void Log(HealthUpdate update)
    {
        foreach (var t in update.Transitions)
        {
            DaemonLog.Transition(_log, t.Uplink, ApplySummary.Word(t.From), ApplySummary.Word(t.To), t.Reason);
            _health.Count(t);
            // Only an uplink that carried connections and failed has any to flush; one
            // that comes back before the flush was made keeps its connections.
            if (t.To == HealthState.Down && _operator.Current.HealthMayFlush(t.Uplink)) _flusher.Failed(t.Uplink, _time.GetUtcNow());
            else if (t.To == HealthState.Up) _flusher.Forgive(t.Uplink);
            if (t.To == HealthState.Up) _passive?.Reset(t.Uplink);
        }
    }
}
