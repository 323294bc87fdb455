using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Junction.Kernel.Tests.Observe;
using Junction.Linux.Namespaces;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Daemon;

/// <summary>
/// The daemon and others in its namespace: a table removed behind its back comes back, a
/// second daemon (whatever its --socket) is refused before it touches the kernel, and a
/// listener that cannot be bound stops a daemon before its first apply.
/// </summary>
public sealed class DaemonKernelOwnershipTests
{
    [Fact]
    public async Task Nft_flush_ruleset_in_the_router_is_put_back_at_once_and_held_connections_keep_flowing()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
        await using var held = await lab.Lab.Hold(10);
        Assert.Contains(held.Outcomes, o => lab.Topology.UplinkOf(o.Seen!.Address) == 2);

        // What nftables.service does on start and reload: noticed from nftables' own
        // notifications, not at the next periodic check.
        lab.Router.Check("nft", "flush", "ruleset");

        await lab.WaitForLog("nftables table junction changed: the kernel no longer holds the plan");
        await lab.WaitBalancedOver(1, 2);
        // Connections on either uplink, isp2's too (not the main table's default), still echo:
        // their marks are restored again before they could be misrouted for long.
        var alive = await held.EchoAsync(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        for (var k = 0; k < alive.Count; k++)
            Assert.True(alive[k], $"held connection {k} (isp{lab.Topology.UplinkOf(held.Outcomes[k].Seen!.Address)}) was broken\n{lab.Log}");
        Assert.Equal(new[] { 0, 10, 10 }, await lab.Connections(20));
        var status = StatusCommandTests.Cli(CommandRunner.Current, "status", "--json", "--socket", lab.SocketPath);
        Assert.True(status.Ok, status.Stderr);
        using var doc = JsonDocument.Parse(status.Stdout);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("daemon").GetProperty("tableDrift").ValueKind);
    }

    [Fact]
    public async Task A_junction_rule_or_route_deleted_by_hand_is_put_back()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
        var rule = lab.Router.Check("ip", "rule").Split('\n').Single(l => l.Contains("fwmark 0x20000/0xff0000", StringComparison.Ordinal));
        var priority = rule[..rule.IndexOf(':')];

        lab.Router.Check("ip", "rule", "del", "priority", priority);

        await lab.WaitForLog($"an ip rule of priority {priority} was deleted: the kernel no longer holds the plan");
        await lab.WaitUntil(() => lab.Router.Check("ip", "rule").Contains(rule, StringComparison.Ordinal), "the rule back");
        var table = rule[(rule.LastIndexOf("lookup ", StringComparison.Ordinal) + 7)..].Trim();
        var route = lab.Router.Check("ip", "route", "show", "table", table).Trim();
        Assert.StartsWith("default via", route);

        lab.Router.Check("ip", "route", "del", "default", "table", table);

        await lab.WaitForLog($"a route in table {table} was deleted: the kernel no longer holds the plan");
        await lab.WaitUntil(() => lab.Router.Run("ip", "route", "show", "table", table).Stdout.Trim() == route, "the route back");
        Assert.Equal(new[] { 0, 10, 10 }, await lab.Connections(20));
    }

    [Fact]
    public async Task A_second_daemon_with_another_socket_is_refused_before_it_touches_the_kernel()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
        var before = lab.TableComment();
        var other = Path.Combine(Path.GetDirectoryName(lab.SocketPath)!, "other.sock");

        var second = lab.RunAnother("--socket", other);

        Assert.Equal(3, second.ExitCode);
        Assert.Equal($"error: another Junction daemon runs in this network namespace (pid {lab.Pid}): stop it first", second.Stderr.Trim());
        Assert.False(File.Exists(other));
        Assert.Equal(before, lab.TableComment());
        Assert.Equal(new HashSet<int> { 1, 2 }, lab.BalancedOver());
        Assert.True(lab.Running);

        // The lock dies with its holder, however it dies: a daemon killed outright leaves none.
        lab.Signal("KILL");
        await lab.WaitUntil(() => !lab.Running, "the first daemon gone");
        lab.Run([1, 1]);
        await lab.WaitForLog("serving status on", count: 2);
        await lab.WaitForLog("applied: balancing over isp1, isp2;", count: 2);
    }

    [Fact]
    public async Task A_metrics_port_in_use_stops_the_daemon_before_its_first_apply_even_with_flush_on_exit()
    {
        await using var lab = DaemonLab.Start();
        lab.Header = "lan: [lan]\nmetrics: { listen: 127.0.0.1:9419 }";
        lab.WriteConfig([1, 1]);
        // A table a previous run left: the failed daemon must neither replace nor flush it.
        var apply = StatusCommandTests.Cli(lab.Router, "apply", "-c", lab.ConfigPath, "--down", "isp2");
        Assert.True(apply.Ok, apply.Stderr);
        var before = lab.TableComment();
        var rules = lab.Router.Check("ip", "rule");
        using var taken = NamespaceThread.Run(lab.Topology.RouterNamespace, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 9419));
        taken.Listen();

        var run = lab.RunAnother("--socket", lab.SocketPath, "--flush-on-exit");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: cannot listen for metrics on 127.0.0.1:9419: ", run.Stderr.Trim());
        Assert.DoesNotContain("applied", run.Stdout);
        Assert.NotNull(before);
        Assert.Equal(before, lab.TableComment());
        Assert.Equal(new HashSet<int> { 1 }, lab.BalancedOver());
        Assert.Equal(rules, lab.Router.Check("ip", "rule"));
        Assert.False(File.Exists(lab.SocketPath));

        // Once the port is free, the same daemon starts, and the lock of the one that failed is gone.
        taken.Close();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
    }
}
