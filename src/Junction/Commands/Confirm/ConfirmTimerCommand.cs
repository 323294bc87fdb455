using System.CommandLine;
using Junction.Cli.Daemon;
using Junction.Linux.Apply;
using Junction.Linux.Processes;

namespace Junction.Cli.Commands.Confirm;

/// <summary>
/// The process <c>apply --confirm</c> leaves behind (hidden: started by apply, in its own
/// session so a closed terminal or SSH connection does not take it down): it watches the
/// record until the deadline. Gone or replaced (confirmed, or rolled back by hand) → exits.
/// Still there at the deadline → takes the namespace's lock and restores the state before
/// the apply, then removes the record. It prints nothing (nobody reads its output); it notes
/// what it did in <see cref="PendingConfirm.LogPath"/>.
/// </summary>
internal static class ConfirmTimerCommand
{
    public const string Name = "confirm-timer";

    /// <summary>The line the timer writes once it runs, followed by its pid.</summary>
    public const string Ready = "ready ";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);
    private const int Attempts = 10;

    public static Command Create()
    {
        var record = new Argument<string>("record");
        var id = new Argument<string>("id");
        var command = new Command(Name, "Internal: restores the state before an 'apply --confirm' unless it is confirmed in time.")
        {
            Hidden = true,
        };
        command.Arguments.Add(record);
        command.Arguments.Add(id);
        command.SetAction(parse => Run(parse.GetValue(record)!, parse.GetValue(id)!));
        return command;
    }

    private static int Run(string path, string id)
    {
        // Apply waits for this line to record the pid; nothing else is ever written.
        Console.Out.WriteLine(Ready + Environment.ProcessId);
        Console.Out.Flush();
        var failures = 0;
        while (true)
        {
            if (Current(path, id) is not { } pending) return ExitCodes.Ok;
            var left = pending.Deadline - DateTimeOffset.UtcNow;
            if (left > TimeSpan.Zero)
            {
                Thread.Sleep(left < Poll ? left : Poll);
                continue;
            }
            try
            {
                using var held = NamespaceLock.Take(LockRole.Confirm, TimeSpan.FromSeconds(30));
                // Under the lock: a confirm may have come while waiting for it.
                if (Current(path, id) is not { } still) return ExitCodes.Ok;
                var restored = new KernelApplier(CommandRunner.Current).Restore(still.Before, "rollback");
                File.Delete(path);
                PendingConfirm.Note($"no 'junction confirm' for the 'apply --confirm' of {still.Config} at {PendingConfirm.Stamp(still.AppliedAt)} " +
                    $"by {PendingConfirm.Stamp(still.Deadline)}: restored the state before it ({restored.Changes.Count} changes)");
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is LockBusyException or ApplyFailedException or CommandFailedException or IOException)
            {
                // The record stays: a later attempt, 'junction confirm --rollback', or the next
                // command that finds it with this timer gone restores it.
                failures++;
                PendingConfirm.Note($"could not restore the state before the 'apply --confirm' of {pending.Config} " +
                    $"(attempt {failures} of {Attempts}): {e.Message}");
                if (failures >= Attempts) return ExitCodes.Failed;
                Thread.Sleep(TimeSpan.FromSeconds(5));
            }
        }
    }

    private static PendingConfirm? Current(string path, string id)
    {
        try
        {
            return PendingConfirm.Read(path) is { } p && p.Id == id ? p : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
