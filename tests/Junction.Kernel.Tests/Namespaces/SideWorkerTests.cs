using Junction.Kernel.Tests.Support;
using Junction.Linux.Namespaces;

namespace Junction.Kernel.Tests.Namespaces;

/// <summary>
/// The applier's second thread must reach the kernel objects of the namespace its caller is
/// in, which need not be the process's (the benchmark's applier runs on a thread that joined
/// a lab router): otherwise its nftables transaction or sysctl reads would hit the host.
/// </summary>
public sealed class SideWorkerTests
{
    [Fact]
    public void Work_runs_in_the_namespace_of_the_thread_that_gave_it_whatever_the_process_is_in()
    {
        using var ns = TestNamespace.Create();
        var process = Namespace();

        var (caller, first, second) = NamespaceThread.Run(ns.Name, () =>
        {
            var worker = new SideWorker("test");
            var a = worker.Start(Namespace).Join();
            // The thread is kept: the second piece of work runs on it, still in the caller's namespace.
            var b = worker.Start(Namespace).Join();
            return (Namespace(), a, b);
        });

        Assert.NotEqual(process, caller);
        Assert.Equal(caller, first);
        Assert.Equal(caller, second);
    }

    [Fact]
    public void A_failure_reaches_the_caller_unwrapped_and_the_worker_goes_on()
    {
        var worker = new SideWorker("test");

        var failed = worker.Start<int>(() => throw new InvalidDataException("refused"));

        Assert.Equal("refused", Assert.Throws<InvalidDataException>(() => failed.Join()).Message);
        Assert.Equal(42, worker.Start(() => 42).Join());
    }

    [Fact]
    public async Task Settling_waits_for_the_work_to_end_and_keeps_its_failure_to_itself()
    {
        var worker = new SideWorker("test");
        using var release = new ManualResetEventSlim();
        var ended = false;

        var work = worker.Start<int>(() =>
        {
            release.Wait(TestContext.Current.CancellationToken);
            ended = true;
            throw new InvalidDataException("the read failed too");
        });
        var settling = Task.Run(work.Settle, TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(settling.IsCompleted);
        release.Set();

        await settling;
        Assert.True(ended);
        Assert.Throws<InvalidDataException>(() => work.Join());
    }

    private static string Namespace() => new FileInfo("/proc/thread-self/ns/net").LinkTarget!;
}
