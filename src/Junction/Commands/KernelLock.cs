using System.CommandLine;
using Junction.Cli.Daemon;

namespace Junction.Cli.Commands;

/// <summary>How the verbs that write the kernel take the namespace's lock (<see cref="NamespaceLock"/>) and say when they cannot.</summary>
internal static class KernelLock
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    public static Option<double> Wait()
    {
        var wait = new Option<double>("--wait")
        {
            Description = "Seconds to wait while another 'junction apply' or 'flush' changes this network namespace " +
                $"(default {DefaultWait.TotalSeconds:0}, at most {MaxWaitSeconds}); then give up with exit code 3. A running daemon or a pending " +
                "'apply --confirm' is not waited for: the command fails at once (exit 3) and changes nothing.",
            DefaultValueFactory = _ => DefaultWait.TotalSeconds,
            HelpName = "SECONDS",
        };
        // A negative wait was quietly none, and NaN threw from TimeSpan.FromSeconds after the command had started.
        return wait.Seconds(0, MaxWaitSeconds);
    }

    private const int MaxWaitSeconds = 3600;

    /// <summary>The lock, or null after printing who holds it (as JSON too with <paramref name="json"/>).</summary>
    public static NamespaceLock? Take(string verb, string role, double waitSeconds, bool json)
    {
        try
        {
            return NamespaceLock.Take(role, TimeSpan.FromSeconds(waitSeconds));
        }
        catch (LockBusyException e)
        {
            CliJson.Fail(verb, json, e.Message, ExitCodes.Busy,
                ("busy", true), ("holder", e.Holder.Role), ("holderPid", e.Holder.Pid), ("unchanged", true));
            return null;
        }
    }
}
