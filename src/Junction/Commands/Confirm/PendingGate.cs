using Junction.Linux.Apply;

namespace Junction.Cli.Commands.Confirm;

/// <summary>
/// What apply, flush and run do about a pending <c>apply --confirm</c>, once they hold the
/// namespace's lock: none → go on. One whose timer runs → refuse (exit 3): the state it
/// applied is on probation and only <c>junction confirm</c> (or <c>--rollback</c>) decides.
/// One whose timer was killed (SIGKILL, OOM) and whose deadline has passed → restore the
/// state before it now, as the timer would have, then go on. Killed before its deadline →
/// refuse as if it ran: the user may still confirm.
/// </summary>
internal static class PendingGate
{
    /// <summary>Null to go on; otherwise the exit code, after saying why on stderr (and as JSON with <paramref name="json"/>).</summary>
    public static int? Check(string verb, KernelApplier applier, bool json)
    {
        var path = PendingConfirm.PathHere();
        PendingConfirm? pending;
        try
        {
            pending = PendingConfirm.Read(path);
        }
        catch (FormatException e)
        {
            return Refuse(verb, json, $"{e.Message}; remove it if no 'apply --confirm' is pending", ExitCodes.Failed);
        }
        if (pending is null) return null;
        var expired = DateTimeOffset.UtcNow >= pending.Deadline;
        if (!pending.TimerAlive && expired)
        {
            try
            {
                var restored = applier.Restore(pending.Before, "rollback");
                File.Delete(path);
                var line = $"the 'apply --confirm' of {pending.Config} at {PendingConfirm.Stamp(pending.AppliedAt)} was not confirmed by " +
                    $"{PendingConfirm.Stamp(pending.Deadline)} and its timer is gone: restored the state before it ({restored.Changes.Count} changes)";
                PendingConfirm.Note(line + $", by 'junction {verb}'");
                Console.Error.WriteLine($"note: {line}");
                return null;
            }
            catch (Exception e) when (e is ApplyFailedException or IOException or UnauthorizedAccessException)
            {
                return Refuse(verb, json, $"an expired 'apply --confirm' could not be rolled back: {e.Message}; " +
                    "retry with 'junction confirm --rollback'", ExitCodes.Failed);
            }
        }
        var timer = pending.TimerAlive ? $"timer pid {pending.Timer}" : $"its timer (pid {pending.Timer}) is gone";
        return Refuse(verb, json,
            $"an 'apply --confirm' of {pending.Config} is pending in this network namespace until {PendingConfirm.Stamp(pending.Deadline)} ({timer}); " +
            "nothing was changed: run 'junction confirm' to keep what it applied, or 'junction confirm --rollback' to restore the state before it",
            ExitCodes.Busy);
    }

    private static int Refuse(string verb, bool json, string message, int code)
    {
        return CliJson.Fail(verb, json, message, code, ("busy", code == ExitCodes.Busy), ("unchanged", true));
    }
}
