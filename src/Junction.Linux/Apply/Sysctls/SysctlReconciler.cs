using Junction.Linux.Processes;
using Junction.Planning;

namespace Junction.Linux.Apply.Sysctls;

/// <summary>
/// Reads and writes sysctls through <c>sysctl(8)</c> run by the <see cref="CommandRunner"/>,
/// never through /proc/sys from this process: the runner may point at another network
/// namespace, and /proc/sys/net shows the namespace of the process that reads it.
/// </summary>
internal static class SysctlReconciler
{
    public static IReadOnlyDictionary<string, string> Read(CommandRunner runner, IEnumerable<string> keys)
    {
        var list = keys.Distinct().ToList();
        if (list.Count == 0) return new Dictionary<string, string>();
        var result = runner.Run("sysctl", ["-n", .. list]);
        if (!result.Ok)
        {
            // sysctl names the /proc path; the user wrote (and the plan shows) the key.
            var missing = list.Where(k => result.Stderr.Contains(new SysctlSpec(k, "", "").Path + ":", StringComparison.Ordinal)).ToList();
            throw new CommandFailedException(result with
            {
                Stderr = missing.Count == 0
                    ? result.Stderr
                    : $"no such sysctl: {string.Join(", ", missing)}" +
                      (missing.Any(k => k.Contains(".conf.", StringComparison.Ordinal)) ? " (does the uplink's interface exist?)" : ""),
            });
        }
        var values = result.Stdout.Split('\n', StringSplitOptions.TrimEntries);
        return list.Select((k, i) => (k, v: values[i])).ToDictionary(x => x.k, x => x.v);
    }

    public static IEnumerable<KernelStep> Reconcile(IReadOnlyDictionary<string, string> current, IEnumerable<(string Key, string Value)> target)
    {
        foreach (var (key, value) in target)
        {
            var was = current.GetValueOrDefault(key);
            if (was == value) continue;
            yield return new KernelStep(new Change(ChangeAction.Set, ChangeSubject.Sysctl, $"{key} = {value} (was {was ?? "unknown"})"),
                "sysctl", ["-q", "-w", $"{key}={value}"]) { Batch = new BatchLine(BatchKind.Sysctl, $"{key}={value}") };
        }
    }
}
