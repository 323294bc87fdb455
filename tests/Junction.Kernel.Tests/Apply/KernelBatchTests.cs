using System.Net;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Linux.Apply.Routing;
using Junction.Model;
using Junction.Planning;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// Steps sent to the kernel together: which step a failed batch blames, and what the kernel
/// holds afterwards (what rollback has to undo). Each test in a namespace of its own.
/// </summary>
public sealed class KernelBatchTests
{
    [Fact]
    public void A_routing_batch_that_fails_in_the_middle_names_that_request_and_the_kernel_carries_on_past_it()
    {
        using var ns = TestNamespace.Create().Uplinks();
        List<KernelStep> steps =
        [
            Route("10.11.0.1", "wan1", 1001),
            Route("10.99.0.1", "wan1", 1002), // no such network on wan1
            Route("10.13.0.1", "wan3", 1003),
        ];

        Assert.Equal(3, KernelBatch.Length(steps, 0));
        var failure = KernelBatch.Run(new KernelIo(ns.Runner), steps);

        Assert.NotNull(failure);
        Assert.Equal(1, failure.Index);
        Assert.Contains("invalid gateway", failure.Reason);
        Assert.Contains("10.11.0.1", ns.Run("ip", "route", "show", "table", "1001"));
        Assert.Equal("", ns.Runner.Run("ip", "route", "show", "table", "1002").Stdout);
        Assert.Contains("10.13.0.1", ns.Run("ip", "route", "show", "table", "1003"));
    }

    [Fact]
    public void A_routing_step_whose_interface_is_missing_is_named_before_anything_is_sent()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var failure = KernelBatch.Run(new KernelIo(ns.Runner), [Route("10.11.0.1", "wan1", 1001), Route("10.19.0.1", "wan9", 1009)]);

        Assert.Equal(new BatchFailure(1, "no interface named 'wan9'"), failure);
        Assert.Equal("", ns.Runner.Run("ip", "route", "show", "table", "1001").Stdout);
    }

    [Fact]
    public void A_sysctl_batch_names_the_key_it_could_not_write_and_writes_the_others()
    {
        using var ns = TestNamespace.Create().Uplinks();
        ns.Run("sysctl", "-q", "-w", "net.ipv4.conf.wan1.rp_filter=1", "net.ipv4.conf.wan3.rp_filter=1");
        List<KernelStep> steps =
        [
            Sysctl("net.ipv4.conf.wan1.rp_filter", "2"),
            Sysctl("net.ipv4.ip_forward", "not-a-number"),
            Sysctl("net.ipv4.conf.wan3.rp_filter", "2"),
        ];

        var failure = KernelBatch.Run(new KernelIo(ns.Runner), steps);

        Assert.NotNull(failure);
        Assert.Equal(1, failure.Index);
        Assert.Contains("net.ipv4.ip_forward", failure.Reason);
        // The writer goes on past a key it cannot write: the transaction's rollback must undo wan3 too.
        Assert.Equal("2", ns.Run("sysctl", "-n", "net.ipv4.conf.wan1.rp_filter").Trim());
        Assert.Equal("2", ns.Run("sysctl", "-n", "net.ipv4.conf.wan3.rp_filter").Trim());
    }

    [Fact]
    public void Steps_of_different_kinds_or_without_a_batch_run_apart()
    {
        List<KernelStep> steps =
        [
            Sysctl("net.ipv4.ip_forward", "1"),
            Route("10.11.0.1", "wan1", 1001),
            Route("10.12.0.1", "wan2", 1002),
            new(new Change(ChangeAction.Add, ChangeSubject.Rule, "unbatched"), "ip", ["rule", "add", "priority", "1100", "lookup", "1001"]),
            Route("10.13.0.1", "wan3", 1003),
        ];

        Assert.Equal([1, 2, 1, 1], Lengths(steps));
    }

    private static List<int> Lengths(List<KernelStep> steps)
    {
        var lengths = new List<int>();
        for (var i = 0; i < steps.Count; i += lengths[^1]) lengths.Add(KernelBatch.Length(steps, i));
        return lengths;
    }

    private static KernelStep Route(string gateway, string device, uint table) =>
        IpRoute.From(new RouteSpec(Families.IPv4, table, "default", IPAddress.Parse(gateway), device)).Replace(ChangeAction.Add);

    private static KernelStep Sysctl(string key, string value) =>
        KernelStep.Sysctl(new Change(ChangeAction.Set, ChangeSubject.Sysctl, $"{key}={value}"), key, value);
}
