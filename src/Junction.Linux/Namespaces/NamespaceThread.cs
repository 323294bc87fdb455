using System.Runtime.ExceptionServices;
using Junction.Linux.Interop;

namespace Junction.Linux.Namespaces;

/// <summary>
/// Runs code on a fresh thread that has joined a named network namespace with setns(2).
/// A socket belongs to the namespace its creating thread was in, and keeps it for life,
/// so sockets made in <c>body</c> can then be used from any thread while the rest of the
/// process stays where it is. The thread ends with the work, so no pool thread ever sits
/// in the wrong namespace. Exceptions reach the caller unwrapped, so callers can catch
/// e.g. a SocketException as if the code had run on their own thread.
/// </summary>
public static class NamespaceThread
{
    public static T Run<T>(string netns, Func<T> body)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter(netns);
                result = body();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }) { IsBackground = true, Name = $"netns {netns}" };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    public static void Run(string netns, Action body) => Run(netns, () => { body(); return 0; });

    /// <summary>Runs <paramref name="body"/> in <paramref name="netns"/>, or on the calling thread when it is null (the process's own namespace).</summary>
    public static T In<T>(string? netns, Func<T> body) => netns is null ? body() : Run(netns, body);

    private static void Enter(string netns)
    {
        using var handle = File.OpenHandle($"/run/netns/{netns}", FileMode.Open, FileAccess.Read);
        if (Libc.SetNs(handle, Libc.CloneNewNet) != 0) throw SyscallException.Last($"setns(/run/netns/{netns})");
    }
}
