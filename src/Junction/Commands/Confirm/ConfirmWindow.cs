using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Junction.Linux.Apply;
using Junction.Linux.Processes;
using Junction.Planning;

namespace Junction.Cli.Commands.Confirm;

/// <summary>
/// <c>apply --confirm SECONDS</c>, as router CLIs have it (commit confirmed): apply, record the
/// state before (<see cref="PendingConfirm"/>), and leave a timer process that restores it at
/// the deadline unless <c>junction confirm</c> comes first. A remote administrator whose
/// change cuts them off does nothing and gets the old state back.
/// </summary>
internal static class ConfirmWindow
{
    public const int MaxSeconds = 86400;

    public static Option<int?> Option() => new("--confirm")
    {
        Description = "Commit-confirm: apply, then restore the state before this apply (Junction's table, rules, routes, " +
            "and the sysctls it set) unless 'junction confirm' runs within SECONDS. The timer is a small process of its own " +
            "(it survives the terminal or SSH session closing); 'junction confirm --rollback' restores at once. Until then, " +
            "apply, flush and run refuse (exit 3). Refused while a daemon runs in this network namespace.",
        HelpName = "SECONDS",
    };

    /// <summary>The --confirm value's error, or null when it is usable.</summary>
    public static string? Invalid(int seconds, bool dryRun) =>
        dryRun ? "--confirm and --dry-run do not go together: a dry run changes nothing to confirm"
        : seconds is < 1 or > MaxSeconds ? $"--confirm {seconds}: give the seconds to wait for 'junction confirm', 1 to {MaxSeconds}"
        : null;

    /// <summary>Under the namespace's lock: applies, records, starts the timer, and reports.</summary>
    public static int Apply(KernelApplier applier, DesiredState plan, string config, int seconds, bool json)
    {
        ApplyResult result;
        KernelCheckpoint before;
        try
        {
            (result, before) = applier.ApplyWithCheckpoint(plan);
        }
        catch (Exception e) when (e is ApplyFailedException or CommandFailedException)
        {
            // Reported as any failed apply is; nothing is pending.
            return KernelReport.Run("apply", json, () => throw e);
        }
        if (result.NoChanges)
        {
            Console.Write(json ? result.ToJson() + "\n" : result.ToText());
            if (!json) Console.WriteLine("nothing to confirm: the kernel already matched, so no timer was started");
            return ExitCodes.Ok;
        }

        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var pending = new PendingConfirm(Guid.NewGuid().ToString("n"), now, now.AddSeconds(seconds), Path.GetFullPath(config), 0, before);
        var path = PendingConfirm.PathHere();
        int timer;
        try
        {
            pending.Write(path);
            timer = StartTimer(path, pending.Id);
            pending = pending with { Timer = timer };
            pending.Write(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException
            or System.ComponentModel.Win32Exception)
        {
            return Abandon(applier, before, path, json, $"could not start the confirm timer: {e.Message}");
        }

        var deadline = PendingConfirm.Stamp(pending.Deadline);
        if (json)
        {
            var report = JsonNode.Parse(result.ToJson())!.AsObject();
            report["confirm"] = new JsonObject
            {
                ["deadline"] = deadline,
                ["seconds"] = seconds,
                ["timer"] = timer,
                ["record"] = path,
            };
            Console.WriteLine(report.ToJsonString(CliJson.Indented));
        }
        else
        {
            Console.Write(result.ToText());
            Console.WriteLine($"pending: run 'junction confirm' within {seconds} s (by {deadline}) to keep this, or the state before it " +
                $"is restored (timer pid {timer}); 'junction confirm --rollback' restores it now");
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Starts the timer in a session of its own (setsid) and waits for it to say it runs: its
    /// pid, written on its stdout, is the one to record (setsid may have forked).
    /// </summary>
    private static int StartTimer(string path, string id)
    {
        var (program, args) = SelfInvocation.Command();
        var psi = new ProcessStartInfo("setsid")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])[program, .. args, ConfirmTimerCommand.Name, path, id]) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("setsid did not start");
        process.StandardInput.Close();
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result is not { } ready || !ready.StartsWith(ConfirmTimerCommand.Ready, StringComparison.Ordinal)
            || !int.TryParse(ready.AsSpan(ConfirmTimerCommand.Ready.Length), out var pid))
        {
            var error = process.HasExited ? process.StandardError.ReadToEnd().Trim() : "";
            if (!process.HasExited) process.Kill();
            throw new InvalidOperationException(error.Length > 0 ? error : "it did not report that it runs");
        }
        return pid;
    }

    /// <summary>The timer could not be had: nothing may stay on probation without one, so the state before is restored now.</summary>
    private static int Abandon(KernelApplier applier, KernelCheckpoint before, string path, bool json, string why)
    {
        try
        {
            applier.Restore(before, "rollback");
            File.Delete(path);
            why += "; the state before this apply was restored";
        }
        catch (Exception e) when (e is ApplyFailedException or IOException)
        {
            why += $"; restoring the state before it failed too: {e.Message}";
        }
        return CliJson.Fail("apply", json, why, ExitCodes.Failed);
    }
}
