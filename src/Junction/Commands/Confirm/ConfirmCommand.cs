using System.CommandLine;
using System.Text.Json.Nodes;
using Junction.Cli.Daemon;
using Junction.Linux.Apply;
using Junction.Linux.Processes;

namespace Junction.Cli.Commands.Confirm;

/// <summary><c>junction confirm</c>: keep what <c>apply --confirm</c> applied, or (<c>--rollback</c>) restore the state before it now.</summary>
internal static class ConfirmCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var wait = KernelLock.Wait();
        var rollback = new Option<bool>("--rollback")
        {
            Description = "Do not keep it: restore the state before the pending 'apply --confirm' now.",
        };
        var command = new Command("confirm",
            "Keep what the pending 'apply --confirm' in this network namespace applied: its timer stops and the state stays. " +
            "Without a confirm before its deadline, the timer restores Junction's state as it was before that apply (its table, " +
            "rules, routes and the sysctls it set). Exit 1 when nothing is pending, or when the deadline has passed (then the " +
            "previous state is restored, if the timer has not done it yet).")
        {
            rollback, json, wait,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            using var held = KernelLock.Take("confirm", LockRole.Confirm, parse.GetValue(wait), asJson);
            if (held is null) return ExitCodes.Busy;
            var path = PendingConfirm.PathHere();
            PendingConfirm? pending;
            try
            {
                pending = PendingConfirm.Read(path);
            }
            catch (FormatException e)
            {
                return Report(asJson, false, $"{e.Message}; remove it if no 'apply --confirm' is pending", null, ExitCodes.Failed);
            }
            if (pending is null)
                return Report(asJson, false, "nothing to confirm: no 'apply --confirm' is pending in this network namespace", null, ExitCodes.Failed);

            var what = $"the 'apply --confirm' of {pending.Config} at {PendingConfirm.Stamp(pending.AppliedAt)}";
            var late = DateTimeOffset.UtcNow >= pending.Deadline;
            if (!late && !parse.GetValue(rollback))
            {
                // The timer sees its record gone and exits.
                try
                {
                    File.Delete(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return Report(asJson, false, $"could not confirm: cannot remove {path}: {e.Message}", null, ExitCodes.Failed);
                }
                return Report(asJson, true, $"confirmed: {what} stays", null, ExitCodes.Ok);
            }
            try
            {
                var restored = new KernelApplier(CommandRunner.Current).Restore(pending.Before, "rollback");
                File.Delete(path);
                var message = late
                    ? $"too late: the confirm window of {what} closed at {PendingConfirm.Stamp(pending.Deadline)}; the state before it was restored"
                    : $"rolled back: {what} is undone, the state before it was restored";
                PendingConfirm.Note(message + " by 'junction confirm'");
                return Report(asJson, !late, message, restored, late ? ExitCodes.Failed : ExitCodes.Ok);
            }
            catch (Exception e) when (e is ApplyFailedException or IOException or UnauthorizedAccessException)
            {
                return Report(asJson, false, $"could not restore the state before {what}: {e.Message}", null, ExitCodes.Failed);
            }
        });
        return command;
    }

    private static int Report(bool json, bool ok, string message, ApplyResult? restored, int code)
    {
        if (json)
        {
            Console.WriteLine(new JsonObject
            {
                ["verb"] = "confirm",
                ["ok"] = ok,
                [ok ? "message" : "error"] = message,
                ["restored"] = restored is null ? null : JsonNode.Parse(restored.ToJson()),
            }.ToJsonString(CliJson.Indented));
        }
        else if (ok)
        {
            Console.WriteLine(message);
            if (restored is not null) Console.Write(restored.ToText());
        }
        else
        {
            Console.Error.WriteLine($"error: {message}");
            if (restored is not null) Console.Error.Write(restored.ToText());
        }
        return code;
    }
}
