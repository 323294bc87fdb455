namespace Junction.Linux.Apply;

/// <summary>
/// The kernel refused a change. <see cref="Failed"/> is null when the failure came while
/// reading the kernel, before anything was changed; otherwise every change already made
/// was undone, except what <see cref="RollbackProblems"/> lists.
/// </summary>
public sealed class ApplyFailedException(string verb, Change? failed, string reason, IReadOnlyList<string> rollbackProblems)
    : Exception(Describe(verb, failed, reason, rollbackProblems))
{
    public string Verb { get; } = verb;

    public Change? Failed { get; } = failed;

    public string Reason { get; } = reason;

    public IReadOnlyList<string> RollbackProblems { get; } = rollbackProblems;

    /// <summary>True when the kernel is as it was before the command.</summary>
    public bool Unchanged => RollbackProblems.Count == 0;

    private static string Describe(string verb, Change? failed, string reason, IReadOnlyList<string> problems)
    {
        if (failed is null)
            return $"{verb} failed before changing anything: {reason}";
        var what = $"{verb} failed at '{Change.Word(failed.Action)} {Change.Word(failed.Subject)} {failed.Description}': {reason}";
        return problems.Count == 0
            ? $"{what}; rolled back, the kernel is as it was before"
            : $"{what}; rollback was incomplete: {string.Join("; ", problems)}";
    }
}
