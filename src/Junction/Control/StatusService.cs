using System.Net;
using Junction.Explain;
using Junction.Health;
using Junction.Linux.Observe;
using Junction.Metrics;
using Junction.Model;
using Junction.Status;

namespace Junction.Cli.Control;

/// <summary>
/// Answers the control socket's questions: the daemon's snapshot joined with kernel figures
/// read at the moment of asking, the same as metrics, and explanations of connections
/// against the model and health the daemon has now.
/// </summary>
internal sealed class StatusService(IStatusSource source, Func<JunctionModel> model, KernelObserver kernel, NewConnectionWindow window)
{
    public NewConnectionWindow Window => window;

    /// <summary>Reads the kernel, adds the counters to the window, and reports.</summary>
    public StatusReport Report()
    {
        var snapshot = source.Snapshot();
        var figures = kernel.Read(snapshot.MarkMask, snapshot.Uplinks.Select(u => u.Name));
        if (!figures.Errors.Any(e => e.StartsWith("nftables", StringComparison.Ordinal)))
            window.Record(figures.NewConnectionCounters);
        return StatusBuilder.Build(snapshot, figures, window);
    }

    /// <summary>Keeps the one-minute window dense between requests.</summary>
    public void Sample()
    {
        try
        {
            window.Record(kernel.NewConnectionCounters(model().Uplinks.Select(u => u.Name)));
        }
        catch (Exception e) when (e is Linux.Processes.CommandFailedException or Linux.Interop.KernelCallException or System.Text.Json.JsonException)
        {
            // The next status request reports the error; a sample is only a convenience.
        }
    }

    public string Metrics() => MetricsFormatter.Format(Report());

    public Explanation Explain(ConnectionQuery query)
    {
        var unhealthy = source.Snapshot().Uplinks
            .Where(u => u.Operator is OperatorMode.Drain or OperatorMode.Down || (u.State != HealthState.Up && u.Operator != OperatorMode.Up))
            .Select(u => u.Name).ToHashSet();
        return Explain(model(), unhealthy, query, kernel);
    }

    /// <summary>
    /// A whole connection conntrack holds is explained from its entry; anything else as a
    /// would-be new connection. Used by the daemon and, without one, by the CLI itself.
    /// </summary>
    public static Explanation Explain(JunctionModel model, IReadOnlySet<string> unhealthy, ConnectionQuery query, KernelObserver kernel)
    {
        IReadOnlyList<IPAddress> local = [];
        try
        {
            local = kernel.LocalAddresses();
        }
        catch (Linux.Interop.KernelCallException)
        {
            // Without them only "toward this host" goes unnoticed.
        }
        if (!query.IsWhole) return Explainer.WouldBe(model, unhealthy, query, local);
        var found = kernel.Find(query);
        if (found.Count > 0) return Explainer.Live(model, unhealthy, found[0], local);
        var would = Explainer.WouldBe(model, unhealthy, query, local);
        return would with { Steps = ["conntrack holds no such connection: explained as a new one", .. would.Steps] };
    }
}
