using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Junction.Linux.Namespaces;

/// <summary>
/// Runs a piece of code on a fresh thread that has joined a named network namespace
/// (setns(2) on <c>/run/netns/NAME</c>). A socket belongs to the namespace of the thread
/// that created it, for its whole life, so creating sockets here and using them from any
/// thread afterwards lets one process talk inside many namespaces without spawning a
/// helper per connection. The thread ends with the work, so no thread of the pool ever
/// sits in the wrong namespace.
/// </summary>
public static partial class NamespaceThread
{
    private const int CloneNewNet = 0x40000000;

    public static T Run<T>(string netns, Func<T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{netns}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new IOException($"setns({netns}): {Marshal.GetLastPInvokeErrorMessage()} (errno {Marshal.GetLastPInvokeError()})");
                result = work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = $"netns {netns}",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
