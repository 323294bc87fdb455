using Junction.Linux.Processes;

namespace Junction.Linux.Namespaces;

/// <summary>
/// A named network namespace (<c>ip netns add</c>) that this process created and removes
/// on dispose. Tests and the lab build every host of their little internet from these;
/// nothing here touches the namespace the process itself runs in.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private bool _disposed;

    private NetworkNamespace(string name)
    {
        Name = name;
        Runner = new CommandRunner(name);
    }

    public string Name { get; }

    /// <summary>Runs commands inside this namespace.</summary>
    public CommandRunner Runner { get; }

    /// <summary>Creates the namespace (replacing a stale one of the same name) with loopback up.</summary>
    public static NetworkNamespace Create(string name)
    {
        if (Exists(name)) Delete(name);
        CommandRunner.Current.Check("ip", "netns", "add", name);
        var ns = new NetworkNamespace(name);
        ns.Runner.Check("ip", "link", "set", "lo", "up");
        return ns;
    }

    public static bool Exists(string name) => File.Exists($"/run/netns/{name}");

    public static IReadOnlyList<string> List(string prefix) =>
        Directory.Exists("/run/netns")
            ? Directory.GetFiles("/run/netns").Select(Path.GetFileName).OfType<string>().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order().ToList()
            : [];

    /// <summary>Deletes a namespace; its veth ends and processes' sockets go with it.</summary>
    public static void Delete(string name)
    {
        // Processes still running inside would keep the namespace alive; end them first.
        var pids = CommandRunner.Current.Run("ip", "netns", "pids", name).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var pid in pids)
            CommandRunner.Current.Run("kill", "-9", pid);
        CommandRunner.Current.Run("ip", "netns", "del", name);
    }

    /// <summary>
    /// Whether this machine lets us make namespaces at all (root, a kernel with netns);
    /// tests that need them are skipped with this reason otherwise.
    /// </summary>
    public static string? Unavailable() => Availability.Value;

    // Asked once per process: tests call this concurrently, and one answer holds for the machine.
    private static readonly Lazy<string?> Availability = new(Probe);

    private static string? Probe()
    {
        var probe = $"jprobe-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        var result = CommandRunner.Current.Run("ip", "netns", "add", probe);
        if (!result.Ok) return $"cannot create network namespaces here: {result.Stderr.Trim()}";
        CommandRunner.Current.Run("ip", "netns", "del", probe);
        return null;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Delete(Name);
    }
}
