using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// Steps sharing one process: which step a failed batch blames, and what the kernel holds
/// afterwards (what rollback has to undo). Each test in a namespace of its own.
/// </summary>
public sealed class KernelBatchTests
{
    [Fact]
    public void An_ip_batch_that_fails_in_the_middle_names_that_line_and_stops_there()
    {
        using var ns = TestNamespace.Create().Uplinks();
        List<KernelStep> steps =
        [
            Route("default via 10.11.0.1 dev wan1 table 1001"),
            Route("default via 10.99.0.1 dev wan1 table 1002"), // no such network on wan1
            Route("default via 10.13.0.1 dev wan3 table 1003"),
        ];

        Assert.Equal(3, KernelBatch.Length(steps, 0));
        var failure = KernelBatch.Run(new KernelIo(ns.Runner), steps);

        Assert.NotNull(failure);
        Assert.Equal(1, failure.Index);
        Assert.Contains("invalid gateway", failure.Reason);
        Assert.DoesNotContain("Command failed", failure.Reason);
        Assert.Contains("10.11.0.1", ns.Run("ip", "route", "show", "table", "1001"));
        Assert.Equal("", ns.Runner.Run("ip", "route", "show", "table", "1003").Stdout);
    }

    [Fact]
    public void A_sysctl_batch_names_the_key_it_could_not_write_and_writes_the_others()
    {
        using var ns = TestNamespace.Create().Uplinks();
        ns.Run("sysctl", "-q", "-w", "net.ipv4.conf.wan1.rp_filter=1", "net.ipv4.conf.wan3.rp_filter=1");
        List<KernelStep> steps =
        [
            Sysctl("net.ipv4.conf.wan1.rp_filter=2"),
            Sysctl("net.ipv4.ip_forward=not-a-number"),
            Sysctl("net.ipv4.conf.wan3.rp_filter=2"),
        ];

        var failure = KernelBatch.Run(new KernelIo(ns.Runner), steps);

        Assert.NotNull(failure);
        Assert.Equal(1, failure.Index);
        // sysctl goes on past a key it cannot write: the transaction's rollback must undo wan3 too.
        Assert.Equal("2", ns.Run("sysctl", "-n", "net.ipv4.conf.wan1.rp_filter").Trim());
        Assert.Equal("2", ns.Run("sysctl", "-n", "net.ipv4.conf.wan3.rp_filter").Trim());
    }

    [Fact]
    public void Steps_of_different_kinds_or_without_a_batch_line_run_apart()
    {
        List<KernelStep> steps =
        [
            Sysctl("net.ipv4.ip_forward=1"),
            Route("default via 10.11.0.1 dev wan1 table 1001"),
            Route("default via 10.12.0.1 dev wan2 table 1002"),
            new(new Change(ChangeAction.Add, ChangeSubject.Rule, "unbatched"), "ip", ["rule", "add", "priority", "1100", "lookup", "1001"]),
            Route("default via 10.13.0.1 dev wan3 table 1003"),
        ];

        Assert.Equal([1, 2, 1, 1], Lengths(steps));
    }

    private static List<int> Lengths(List<KernelStep> steps)
    {
        var lengths = new List<int>();
        for (var i = 0; i < steps.Count; i += lengths[^1]) lengths.Add(KernelBatch.Length(steps, i));
        return lengths;
    }

    private static KernelStep Route(string arguments) =>
        new(new Change(ChangeAction.Add, ChangeSubject.Route, $"ip route replace {arguments}"), "ip", ["-4", "route", "replace", .. arguments.Split(' ')])
        {
            Batch = new BatchLine(BatchKind.IPv4, $"route replace {arguments}"),
        };

    private static KernelStep Sysctl(string setting) =>
        new(new Change(ChangeAction.Set, ChangeSubject.Sysctl, setting), "sysctl", ["-q", "-w", setting])
        {
            Batch = new BatchLine(BatchKind.Sysctl, setting),
        };
}
