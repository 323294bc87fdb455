using Junction.Model;
using Junction.Planning;
using Junction.Status;

namespace Junction.Cli.Daemon;

/// <summary>
/// What the kernel holds now (the last plan applied and the inputs it was planned from),
/// whether it still holds it, and the apply counts status reports. Written only by
/// <see cref="ApplyRunner"/>, on the loop.
/// </summary>
internal sealed class AppliedState
{
    public JunctionModel? Model { get; private set; }

    public HashSet<string> Unhealthy { get; private set; } = [];

    public HashSet<string> Unroutable { get; private set; } = [];

    /// <summary>The plan the kernel holds now; null before the first apply succeeded.</summary>
    public DesiredState? Plan { get; private set; }

    /// <summary>The applied plan's ownership hash, as the table's record carries it.</summary>
    public string? Hash { get; private set; }

    /// <summary>
    /// Set when the kernel's table is not the one applied last (removed or replaced by
    /// someone else); the plan is owed again until an apply succeeds.
    /// </summary>
    public string? TableDrift { get; set; }

    public DateTimeOffset NextTableCheck { get; set; } = DateTimeOffset.MinValue;

    // Attempts, successful or not (junction_applies_total); failures are counted apart.
    public long Applies { get; set; }

    public long Failures { get; set; }

    public int FailuresInRow { get; set; }

    public DateTimeOffset RetryAt { get; set; } = DateTimeOffset.MinValue;

    public DateTimeOffset? LastAppliedAt { get; private set; }

    public TimeSpan? LastDuration { get; set; }

    public string? LastError { get; set; }

    /// <summary>Owed at once: the table drifted, or the configuration or the health verdict differ from what was applied.</summary>
    public bool Urgent(JunctionModel model, IReadOnlySet<string> unhealthy) =>
        TableDrift is not null || Model != model || !Unhealthy.SetEquals(unhealthy);

    /// <summary>An apply succeeded: the kernel holds <paramref name="plan"/>.</summary>
    public void Succeeded(JunctionModel model, HashSet<string> unhealthy, IReadOnlySet<string> unroutable, DesiredState plan, string? hash,
        TimeSpan duration, DateTimeOffset at, TimeSpan tableCheckInterval)
    {
        LastDuration = duration;
        LastAppliedAt = at;
        LastError = null;
        FailuresInRow = 0;
        RetryAt = DateTimeOffset.MinValue;
        Model = model;
        Unhealthy = unhealthy;
        Unroutable = unroutable.ToHashSet();
        Plan = plan;
        // The applier computed the ownership once; a kernel that does not say (a test's fake) is asked for it here.
        Hash = hash ?? Junction.Linux.Apply.Ownership.For(plan).PlanHash;
        TableDrift = null;
        NextTableCheck = at + tableCheckInterval;
    }

    public ApplyStats Stats(DateTimeOffset? configLoadedAt) =>
        new(Applies, Failures, LastAppliedAt, LastDuration, LastError, configLoadedAt);
}
