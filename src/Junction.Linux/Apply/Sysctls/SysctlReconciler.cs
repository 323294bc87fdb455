using Junction.Linux.Namespaces;
using Junction.Planning;

namespace Junction.Linux.Apply.Sysctls;

/// <summary>
/// Reads and writes sysctls as files under /proc/sys, from a thread in the namespace the
/// applier works in: /proc/sys/net shows the network namespace of the thread that opens it.
/// </summary>
internal static class SysctlReconciler
{
    /// <summary>
    /// As <see cref="Read(string?, IEnumerable{string})"/>, with the keys the netconf dump
    /// carries (IPv4 forwarding, every interface's rp_filter) taken from one dump
    /// (<see cref="Netconf"/>) and only the others from their files.
    /// </summary>
    /// <param name="links">interface names by index, read just before.</param>
    /// <exception cref="SysctlException">a key does not exist or cannot be read.</exception>
    public static IReadOnlyDictionary<string, string> Read(KernelIo io, IEnumerable<string> keys, IReadOnlyDictionary<int, string> links)
    {
        var list = keys.Distinct().ToList();
        if (list.Count == 0) return new Dictionary<string, string>();
        var dumped = Netconf.TryReadIpv4(io.Rtnetlink, links);
        var files = Read(io.Runner.Netns, list.Where(k => !dumped.ContainsKey(k)));
        return list.ToDictionary(k => k, k => dumped.TryGetValue(k, out var v) ? v : files[k]);
    }

    /// <exception cref="SysctlException">a key does not exist or cannot be read.</exception>
    public static IReadOnlyDictionary<string, string> Read(string? netns, IEnumerable<string> keys)
    {
        var list = keys.Distinct().ToList();
        if (list.Count == 0) return new Dictionary<string, string>();
        return NamespaceThread.In(netns, () =>
        {
            var values = new Dictionary<string, string>();
            var missing = new List<string>();
            foreach (var key in list)
            {
                try
                {
                    values[key] = ReadValue(new SysctlSpec(key, "", "").Path);
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
                {
                    missing.Add(key);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new SysctlException(key, e.Message);
                }
            }
            if (missing.Count > 0)
                throw new SysctlException(string.Join(", ", missing), "no such sysctl" +
                    (missing.Any(k => k.Contains(".conf.", StringComparison.Ordinal)) ? " (does the uplink's interface exist?)" : ""));
            return values;
        });
    }

    /// <summary>
    /// Writes every setting, going on past one it cannot write (as sysctl -w does: rollback
    /// re-reads them all); returns the index of the first that failed and why, or null.
    /// </summary>
    public static (int Index, string Reason)? Write(string? netns, IReadOnlyList<(string Key, string Value)> settings) =>
        NamespaceThread.In(netns, () =>
        {
            (int, string)? failed = null;
            for (var i = 0; i < settings.Count; i++)
            {
                var (key, value) = settings[i];
                try
                {
                    WriteValue(new SysctlSpec(key, "", "").Path, value);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    failed ??= (i, e is FileNotFoundException or DirectoryNotFoundException ? $"no such sysctl: {key}" : $"{key}: {e.Message}");
                }
            }
            return failed;
        });

    // One open, one read or write, one close: a router with 64 uplinks has 130 of them per apply,
    // and File.ReadAllText's stream and decoder cost several times the system calls.
    private static string ReadValue(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.None);
        Span<byte> buffer = stackalloc byte[256];
        var n = RandomAccess.Read(file, buffer, 0);
        return System.Text.Encoding.UTF8.GetString(buffer[..n]).Trim();
    }

    private static void WriteValue(string path, string value)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, FileOptions.None);
        RandomAccess.Write(file, System.Text.Encoding.UTF8.GetBytes(value), 0);
    }

    public static IEnumerable<KernelStep> Reconcile(IReadOnlyDictionary<string, string> current, IEnumerable<(string Key, string Value)> target)
    {
        foreach (var (key, value) in target)
        {
            var was = current.GetValueOrDefault(key);
            if (was == value) continue;
            yield return KernelStep.Sysctl(new Change(ChangeAction.Set, ChangeSubject.Sysctl, $"{key} = {value} (was {was ?? "unknown"})"), key, value);
        }
    }
}
