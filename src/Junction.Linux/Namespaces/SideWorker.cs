using System.Runtime.ExceptionServices;

namespace Junction.Linux.Namespaces;

/// <summary>
/// A thread beside the caller for work that overlaps the caller's own, in the network
/// namespace of the thread that first gave it work: a new thread starts in the namespaces
/// of the thread that creates it, so a socket or a /proc/sys file it opens is the same
/// kernel object the caller would reach (a pool thread is in whichever namespace its
/// creator was, maybe the host's), and no setns (no capability) is needed. The thread is
/// kept while work keeps coming (starting one costs a scheduling round, several
/// milliseconds on a loaded machine) and ends after <see cref="Idle"/> without any.
/// </summary>
internal sealed class SideWorker(string name)
{
    public static readonly TimeSpan Idle = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly Queue<Action> _queue = new();
    private readonly SemaphoreSlim _queued = new(0);
    private bool _running;

    /// <summary>Queues <paramref name="body"/>; <see cref="SideWork{T}.Join"/> waits for it.</summary>
    public SideWork<T> Start<T>(Func<T> body)
    {
        var work = new SideWork<T>(body);
        lock (_lock)
        {
            _queue.Enqueue(work.Run);
            if (!_running)
            {
                _running = true;
                new Thread(Loop) { IsBackground = true, Name = name }.Start();
            }
        }
        _queued.Release();
        return work;
    }

    private void Loop()
    {
        while (true)
        {
            if (!_queued.Wait(Idle))
            {
                lock (_lock)
                {
                    // Work queued since the wait timed out is this thread's still.
                    if (_queue.Count > 0) continue;
                    _running = false;
                    return;
                }
            }
            Action next;
            lock (_lock) next = _queue.Dequeue();
            next();
        }
    }
}

/// <summary>One piece of work given to a <see cref="SideWorker"/>.</summary>
internal sealed class SideWork<T>(Func<T> body)
{
    private readonly ManualResetEventSlim _done = new();
    private T _result = default!;
    private ExceptionDispatchInfo? _failure;

    internal void Run()
    {
        try
        {
            _result = body();
        }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
        }
        _done.Set();
    }

    /// <summary>Waits for the work and ignores how it ended (the caller already has a failure to tell).</summary>
    public void Settle() => _done.Wait();

    /// <summary>Waits for the work; its result, or its exception rethrown unwrapped. Safe to call more than once.</summary>
    public T Join()
    {
        _done.Wait();
        _failure?.Throw();
        return _result;
    }
}
