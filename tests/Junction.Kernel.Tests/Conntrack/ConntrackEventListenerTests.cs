using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Junction.Health;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Conntrack;
using Junction.Linux.Namespaces;

namespace Junction.Kernel.Tests.Conntrack;

/// <summary>
/// The conntrack event reader with passive health's monitor on its thread, as the daemon
/// wires them, against the real kernel: the reader sleeps until the monitor's next deadline
/// rather than ticking, so a deadline must still fire when no event at all follows the
/// connection it belongs to.
/// </summary>
public sealed class ConntrackEventListenerTests
{
    private const uint Mask = 0x3;

    [Fact]
    public async Task A_handshake_deadline_fires_with_no_event_after_the_unanswered_connection()
    {
        using var ns = TestNamespace.Create();
        ns.Interface("wan1", "10.11.0.2/24");
        ns.Run("ip", "link", "set", "lo", "up");
        // Uplink "a" (mark 1): port 7001, to an address on wan1's network where nobody answers
        // (the SYN is confirmed in conntrack, then dies waiting for ARP). Uplink "b" (mark 2):
        // port 7002 on loopback, where a listener answers.
        ns.Runner.Run("nft", ["-f", "-"], stdin: """
            table ip jt {
              chain out {
                type route hook output priority mangle; policy accept;
                tcp dport 7001 meta mark set 1 ct mark set meta mark
                tcp dport 7002 meta mark set 2 ct mark set meta mark
              }
            }
            """).Check();
        var monitor = new PassiveMonitor(PassiveModel.Default with { Destinations = 1 }, ["a", "b"], TimeProvider.System);
        var gate = new Lock();
        var clock = Stopwatch.StartNew();
        long opened = -1, suspected = -1, events = 0, lastEvent = -1;
        using var listener = ConntrackEventListener.Open(Mask, e =>
            {
                lock (gate)
                {
                    events++;
                    lastEvent = clock.ElapsedMilliseconds;
                    var uplink = (e.Mark & Mask) == 1 ? "a" : "b";
                    if (e.Kind == ConnectionEventKind.Opened)
                    {
                        if (uplink == "a") opened = clock.ElapsedMilliseconds;
                        monitor.Opened(uplink, e.Id, e.Destination?.ToString() ?? "");
                    }
                    else monitor.Answered(uplink, e.Id);
                }
            },
            () => { },
            () =>
            {
                lock (gate)
                {
                    if (monitor.Check().Any(s => s.Uplink == "a") && suspected < 0) suspected = clock.ElapsedMilliseconds;
                    return monitor.UntilNextDeadline();
                }
            },
            ns.Name);

        var (server, answered, unanswered) = NamespaceThread.Run(ns.Name, () =>
        {
            var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            l.Bind(new IPEndPoint(IPAddress.Loopback, 7002));
            l.Listen();
            return (l, new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp),
                new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        });
        using (server)
        using (answered)
        using (unanswered)
        {
            // "b" answers (other uplinks answered: the condition for suspecting "a")...
            await answered.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 7002), TestContext.Current.CancellationToken);
            await Until(() => Volatile.Read(ref events) >= 2, "b's connection opened and answered");
            // ...then "a" gets one connection that nothing answers, and no event follows it.
            _ = unanswered.ConnectAsync(new IPEndPoint(IPAddress.Parse("10.11.0.99"), 7001), TestContext.Current.CancellationToken).AsTask();
            await Until(() => Interlocked.Read(ref opened) >= 0, "a's connection opened");
            await Until(() => Interlocked.Read(ref suspected) >= 0, "a suspected", TimeSpan.FromSeconds(10));
            lock (gate)
            {
                // No answer yet: the deadline is the cap (2 s). It fired after it, and with no
                // event after the Opened one, so the reader woke for the deadline itself.
                Assert.True(suspected - opened >= PassiveModel.DeadlineCap.TotalMilliseconds - 5, $"opened at {opened} ms, suspected at {suspected} ms");
                Assert.True(lastEvent <= opened, $"an event at {lastEvent} ms after the Opened one at {opened} ms");
            }
        }
    }

    private static async Task Until(Func<bool> done, string what, TimeSpan? patience = null)
    {
        var end = Stopwatch.StartNew();
        while (!done())
        {
            if (end.Elapsed > (patience ?? TimeSpan.FromSeconds(5))) throw new TimeoutException($"waited in vain for {what}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
