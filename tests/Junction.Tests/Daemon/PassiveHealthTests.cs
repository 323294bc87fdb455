using System.Net;
using Junction.Configuration;
using Junction.Health;
using Junction.Linux.Conntrack;
using Junction.Model;

namespace Junction.Cli.Daemon.Tests;

/// <summary>
/// Passive health through the daemon's real loop: a fake conntrack event source (the test
/// calls its callbacks), a fake kernel, probes that answer until the test says otherwise.
/// Probes run every 5 s, so only the burst can have decided. Waits poll with a bound.
/// </summary>
public sealed class PassiveHealthTests
{
    private const string Yaml = """
        lan: [lan0]
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.1.0.1, probe: { interval: 5s } }
          - { name: isp2, interface: wan2, gateway: 10.2.0.1, probe: { interval: 5s } }
        """;

    private static readonly ProbeTarget Target = new(IPAddress.Parse("10.1.0.1"), null);
    private readonly FakeKernel _kernel = new();
    private readonly ListLogger _log = new();
    private volatile bool _isp1Dead;
    private int _bursts;
    private int _isp1Probers;
    private uint _id;

    private sealed class FakeEvents : IDisposable
    {
        public Action<ConnectionEvent> Event = _ => { };
        public Func<TimeSpan?> Idle = () => null;
        public uint Mask;

        public void Dispose()
        {
        }
    }

    private readonly FakeEvents _events = new();

    private JunctionDaemon Daemon() => new(new DaemonSetup("test.yaml", ConfigLoader.LoadText(Yaml, "test.yaml"),
        () => ConfigLoader.LoadText(Yaml, "test.yaml"), _kernel, TimeProvider.System, _log)
    {
        Prober = (_, uplink) =>
        {
            // The daemon asks once for each uplink's scheduled rounds, then once per burst: only
            // isp1's burst probes are counted (a scheduled round may fall in the test too).
            var burst = uplink.Name == "isp1" && Interlocked.Increment(ref _isp1Probers) > 1;
            return (_, _) =>
            {
                if (burst) Interlocked.Increment(ref _bursts);
                return Task.FromResult(uplink.Name == "isp1" && _isp1Dead
                    ? new ProbeRound([ProbeResult.Failed(Target, "no echo reply within 50 ms")], 1)
                    : new ProbeRound([ProbeResult.Ok(Target, TimeSpan.FromMilliseconds(1))], 1));
            };
        },
        ConnectionEvents = (mask, onEvent, _, idle) =>
        {
            (_events.Mask, _events.Event, _events.Idle) = (mask, onEvent, idle);
            return _events;
        },
    });

    private static async Task Until(Func<bool> done, string what)
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (!done())
        {
            if (Environment.TickCount64 > deadline) Assert.Fail($"not within 10 s: {what}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    private void Open(uint mark, string destination) =>
        _events.Event(new ConnectionEvent(ConnectionEventKind.Opened, ++_id, mark, IPAddress.Parse(destination)));

    private void Answer(uint mark) => _events.Event(new ConnectionEvent(ConnectionEventKind.Answered, _id, mark, null));

    /// <summary>Both uplinks answer a few handshakes, then isp1's connections to three destinations go unanswered.</summary>
    private async Task Suspect()
    {
        for (var i = 0; i < 5; i++)
        {
            Open(0x00010000, "198.51.100.1");
            Answer(0x00010000);
            Open(0x00020000, "198.51.100.1");
            Answer(0x00020000);
        }
        Open(0x00010000, "198.51.100.2");
        Open(0x00010000, "198.51.100.3");
        Open(0x00010000, "198.51.100.4");
        Open(0x00020000, "198.51.100.5");
        Answer(0x00020000);
        // The listener sleeps for as long as the check says: until isp1's connections are
        // overdue; then nothing else is pending and it may sleep until the next event. The
        // deadline's floor is 50 ms, so on a loaded machine the first check may already find
        // them overdue (and say null at once); else the second, once the first wait is over.
        for (var checks = 1; _events.Idle() is { } wait; checks++)
        {
            Assert.True(checks < 2, $"still {wait} to wait after the first wait was over");
            Assert.InRange(wait, TimeSpan.Zero, PassiveModel.DeadlineCap);
            // Waited out by the monitor's own clock: Task.Delay's timer counts coarse ticks and
            // can end a millisecond or more before that clock reaches the deadline (seen: 12 µs short).
            var due = TimeProvider.System.GetUtcNow() + wait;
            while (TimeProvider.System.GetUtcNow() is var now && now <= due)
                await Task.Delay(due - now + TimeSpan.FromMilliseconds(1), TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_suspect_uplink_whose_burst_fails_goes_down_with_a_passive_reason()
    {
        var daemon = Daemon();
        using var stop = new CancellationTokenSource();
        var run = daemon.RunAsync(stop.Token);
        try
        {
            await Until(() => daemon.Monitor.Unhealthy.Count == 0, "both uplinks up");
            Assert.Equal(0x00ff0000u, _events.Mask);
            _isp1Dead = true;
            var before = Volatile.Read(ref _bursts);

            await Suspect();
            await Until(() => daemon.Monitor.Uplinks["isp1"].State == HealthState.Down, "isp1 down");

            Assert.StartsWith("passive: 3 new connections to 3 destinations unanswered", daemon.Monitor.Uplinks["isp1"].Reason);
            Assert.Contains("a burst of 3 probes failed", daemon.Monitor.Uplinks["isp1"].Reason);
            Assert.Equal(before + 3, Volatile.Read(ref _bursts));
            Assert.Equal(HealthState.Up, daemon.Monitor.Uplinks["isp2"].State);
            await Until(() => _kernel.Flushed.Contains((0x00010000u, 0x00ff0000u)), "isp1's connections flushed");
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [Fact]
    public async Task A_burst_that_is_answered_drops_the_suspicion()
    {
        var daemon = Daemon();
        using var stop = new CancellationTokenSource();
        var run = daemon.RunAsync(stop.Token);
        try
        {
            await Until(() => daemon.Monitor.Unhealthy.Count == 0, "both uplinks up");

            await Suspect();
            await Until(() => _log.Lines.ToList().Any(l => l.Contains("uplink isp1: the probe burst answered")), "the suspicion dropped");

            Assert.Equal(HealthState.Up, daemon.Monitor.Uplinks["isp1"].State);
            Assert.Contains(_log.Lines.ToList(), l => l.Contains("uplink isp1 suspect (passive: 3 new connections to 3 destinations"));
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }
}
