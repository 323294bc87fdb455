using System.Globalization;
using System.Text.RegularExpressions;
using Junction.Linux.Processes;
using Junction.Planning;

namespace Junction.Linux.Apply;

/// <summary>The kinds of step that can share one process.</summary>
internal enum BatchKind
{
    /// <summary>IPv4 routes and rules: one line of <c>ip -4 -batch -</c>.</summary>
    IPv4,

    /// <summary>IPv6 routes and rules: one line of <c>ip -6 -batch -</c>.</summary>
    IPv6,

    /// <summary>One <c>key=value</c> argument of <c>sysctl -q -w</c>.</summary>
    Sysctl,
}

/// <summary>A step's change written as a line (or argument) of its batch command.</summary>
internal sealed record BatchLine(BatchKind Kind, string Text);

/// <summary>Which step of a batch failed, and the kernel's (or the tool's) words about it.</summary>
internal sealed record BatchFailure(int Index, string Reason);

/// <summary>
/// Runs neighbouring steps of one kind as one process: a family's routes and rules through
/// <c>ip -batch -</c>, sysctls through one <c>sysctl -w</c>. Each line is still one atomic
/// kernel change, but the batch as a whole is not: <c>ip -batch</c> stops at the first line
/// that fails (lines before it are in the kernel), <c>sysctl</c> goes on past a key it
/// cannot write. Neither matters for rollback, which re-reads the kernel and puts back the
/// snapshot whatever went in; what the batch must tell is <em>which</em> step failed, so the
/// error names it: ip says "Command failed -:LINE", sysctl names the key or its /proc path.
/// A group of one step runs that step's own command, exactly as before batching.
/// </summary>
internal static partial class KernelBatch
{
    /// <summary>How many steps from <paramref name="start"/> on run as one process (at least 1).</summary>
    public static int Length(IReadOnlyList<KernelStep> steps, int start)
    {
        if (steps[start].Batch?.Kind is not { } kind) return 1;
        var n = 1;
        while (start + n < steps.Count && steps[start + n].Batch?.Kind == kind) n++;
        return n;
    }

    /// <summary>Runs a group <see cref="Length"/> chose; null when every step succeeded.</summary>
    public static BatchFailure? Run(KernelIo io, IReadOnlyList<KernelStep> group)
    {
        var runner = io.Runner;
        if (group.Count == 1)
        {
            try
            {
                group[0].Run(io);
                return null;
            }
            catch (Exception e) when (e is CommandFailedException or Interop.KernelCallException)
            {
                return new BatchFailure(0, KernelTransaction.Reason(e));
            }
        }
        var lines = group.Select(s => s.Batch!.Text).ToList();
        return group[0].Batch!.Kind switch
        {
            BatchKind.Sysctl => Sysctl(runner, lines),
            var family => Ip(runner, family == BatchKind.IPv6 ? "-6" : "-4", lines),
        };
    }

    private static BatchFailure? Ip(CommandRunner runner, string flag, List<string> lines)
    {
        var result = runner.Run("ip", [flag, "-batch", "-"], string.Concat(lines.Select(l => l + "\n")));
        if (result.Ok) return null;
        // Without -force, ip stops at the first failure and reports its line number last.
        var failed = IpFailedLine().Matches(result.Stderr).LastOrDefault();
        var words = IpFailedLine().Replace(result.Stderr, "").Trim();
        if (failed is not null && int.Parse(failed.Groups["line"].Value, CultureInfo.InvariantCulture) is var line && line >= 1 && line <= lines.Count)
            return new BatchFailure(line - 1, KernelTransaction.Reason(new CommandFailedException(result with { Stderr = words })));
        return new BatchFailure(0, KernelTransaction.Reason(new CommandFailedException(result with
        {
            Stderr = $"{words} (ip -batch of {lines.Count} commands did not say which failed; this is the first)".Trim(),
        })));
    }

    private static BatchFailure? Sysctl(CommandRunner runner, List<string> settings)
    {
        var result = runner.Run("sysctl", ["-q", "-w", .. settings]);
        if (result.Ok) return null;
        // sysctl names either the key or its /proc path; the first key it names is blamed
        // (a plan sets each key once, so a key names one step).
        var keys = settings.Select(s => s[..s.IndexOf('=', StringComparison.Ordinal)]).ToList();
        var index = keys.FindIndex(k => result.Stderr.Contains(new SysctlSpec(k, "", "").Path + ":", StringComparison.Ordinal)
                                        || result.Stderr.Contains($"\"{k}\"", StringComparison.Ordinal)
                                        || result.Stderr.Contains($"'{k}'", StringComparison.Ordinal));
        return index >= 0
            ? new BatchFailure(index, KernelTransaction.Reason(new CommandFailedException(result)))
            : new BatchFailure(0, KernelTransaction.Reason(new CommandFailedException(result with
            {
                Stderr = $"{result.Stderr.Trim()} (sysctl -w of {keys.Count} keys did not say which failed; this is the first)",
            })));
    }

    [GeneratedRegex(@"^Command failed -:(?<line>\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex IpFailedLine();
}
