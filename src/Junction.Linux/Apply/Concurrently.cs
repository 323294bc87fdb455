using System.Runtime.ExceptionServices;

namespace Junction.Linux.Apply;

/// <summary>
/// Runs independent reads of the kernel side by side: the first on the calling thread, the
/// others on threads of their own (each blocks on a child process; on the thread pool,
/// several of them could wait for the pool to grow on a 2-core machine). Every read is
/// waited for, so none is left running; if any failed, the first failure in argument
/// order is rethrown as itself, as if the reads had run one after the other.
/// </summary>
internal static class Concurrently
{
    public static (T1, T2, T3, T4) Run<T1, T2, T3, T4>(Func<T1> a, Func<T2> b, Func<T3> c, Func<T4> d)
    {
        var tb = Start(b);
        var tc = Start(c);
        var td = Start(d);
        T1 first = default!;
        ExceptionDispatchInfo? failed = null;
        try
        {
            first = a();
        }
        catch (Exception e)
        {
            failed = ExceptionDispatchInfo.Capture(e);
        }
        try
        {
            Task.WaitAll(tb, tc, td);
        }
        catch (AggregateException)
        {
            // Each task's own exception is rethrown below, in argument order.
        }
        failed?.Throw();
        return (first, tb.GetAwaiter().GetResult(), tc.GetAwaiter().GetResult(), td.GetAwaiter().GetResult());
    }

    private static Task<T> Start<T>(Func<T> read) =>
        Task.Factory.StartNew(read, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
