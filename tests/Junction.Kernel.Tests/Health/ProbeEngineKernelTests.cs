using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Junction.Linux.Namespaces;
using Junction.Linux.Probes;
using Junction.Model;

namespace Junction.Health.Kernel.Tests;

/// <summary>The probe engine's thread, started inside a namespace this test made, probing through a veth.</summary>
public sealed partial class ProbeEngineKernelTests
{
    private static readonly ProbeBinding Binding = new(HealthNetns.RouterIf, 0x00010000);

    private static ProbeTarget Target(string address, int? port = null) => new(IPAddress.Parse(address), port);

    private static ProbeModel Probe(params ProbeTarget[] targets) => ProbeModel.None with
    {
        Kind = targets[0].Port is null ? ProbeKind.Icmp : ProbeKind.Tcp,
        Targets = targets,
        Interval = TimeSpan.FromMilliseconds(100),
        Timeout = TimeSpan.FromMilliseconds(400),
        Require = 1,
    };

    /// <summary>An engine with one job per probe; every delivery is recorded in order, and every round its job heard.</summary>
    private sealed class Run : IDisposable
    {
        public readonly BlockingCollection<ProbeReport> Reports = [];
        public readonly ConcurrentQueue<ProbeRound> Heard = new();
        public readonly ConcurrentQueue<string> Failures = new();
        private readonly ProbeEngine _engine;

        public Run(HealthNetns net, bool steady, params ProbeModel[] probes)
        {
            var jobs = probes.Select((p, i) => new ProbeJob($"u{i}", p, Binding, new AdaptiveTimeout(p.Timeout)) { Observed = Heard.Enqueue }).ToList();
            _engine = NamespaceThread.Run(net.Router.Name, () => ProbeEngine.Start(jobs, new Random(1), batch =>
            {
                foreach (var r in batch) Reports.Add(r);
            }, _ => steady, Failures.Enqueue));
        }

        public ProbeRound Next()
        {
            Assert.True(Reports.TryTake(out var r, TimeSpan.FromSeconds(30)), "no round was reported");
            return r.Round;
        }

        public void Dispose() => _engine.Dispose();
    }

    [Fact]
    public void Echo_replies_through_the_veth_make_good_rounds_and_a_blackholed_peer_makes_failed_ones()
    {
        using var net = HealthNetns.Create();
        using var run = new Run(net, steady: false, Probe(Target(HealthNetns.PeerIp)), Probe(Target(HealthNetns.PeerIp6)));
        var good = Enumerable.Range(0, 6).Select(_ => run.Next()).ToList();
        Assert.All(good, r => Assert.True(r.Good, r.ToString()));
        Assert.All(good, r => Assert.NotNull(r.Results[0].Rtt));

        net.BlackholePeer();
        // Rounds already in flight may still be answered; the dead link shows within a few.
        var failed = Enumerable.Range(0, 40).Select(_ => run.Next()).SkipWhile(r => r.Good).Take(4).ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, r => Assert.Matches(NoReply(), r.ToString()));
        Assert.Empty(run.Failures);
    }

    [Fact]
    public void A_round_with_a_long_timeout_ends_at_the_first_answer_it_requires()
    {
        using var net = HealthNetns.Create();
        // Two addresses nobody holds: their probes would wait out the whole minute.
        var probe = Probe(Target("10.77.0.3"), Target(HealthNetns.PeerIp), Target("10.77.0.4")) with { Timeout = TimeSpan.FromMinutes(1) };
        using var run = new Run(net, steady: false, probe);
        var round = run.Next();
        Assert.True(round.Good, round.ToString());
        Assert.Equal(1, round.Decided);
        Assert.Equal(2, round.Results.Count(r => r.Skipped));
    }

    [Fact]
    public void A_dead_target_fails_at_its_timeout_and_require_two_fails_the_round()
    {
        using var net = HealthNetns.Create();
        using var run = new Run(net, steady: false, Probe(Target(HealthNetns.PeerIp), Target("10.77.0.3")) with { Require = 2 });
        var round = run.Next();
        Assert.False(round.Good, round.ToString());
        Assert.True(round.Results[0].Answered, round.ToString());
        Assert.Equal("no echo reply within 400 ms", round.Results[1].Error);
    }

    [Fact]
    public void Probes_carry_the_uplink_mark_and_leave_through_its_device()
    {
        using var net = HealthNetns.Create();
        net.Router.Runner.Run("nft", ["-f", "-"], """
            table inet jth {
              chain out {
                type filter hook output priority 0;
                oifname "jth0" meta mark 0x00010000 ip daddr 10.77.0.2 counter
              }
            }

            """).Check();
        using (var run = new Run(net, steady: false, Probe(Target(HealthNetns.PeerIp))))
            Assert.True(run.Next().Good);
        Assert.Matches(PacketsAtLeastOne(), net.Router.Runner.Check("nft", "list", "table", "inet", "jth"));
    }

    [Fact]
    public void Tcp_probes_count_a_handshake_and_a_refusal_is_a_failure()
    {
        using var net = HealthNetns.Create();
        using var listener = NamespaceThread.Run(net.Peer.Name, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Parse(HealthNetns.PeerIp), 8080));
            s.Listen(64);
            return s;
        });
        using var open = new Run(net, steady: false, Probe(Target(HealthNetns.PeerIp, 8080)));
        var ok = open.Next();
        Assert.True(ok.Good, ok.ToString());
        using var closed = new Run(net, steady: false, Probe(Target(HealthNetns.PeerIp, 8081)));
        Assert.Equal("connection refused", closed.Next().Results[0].Error);
    }

    [Fact]
    public void A_missing_device_fails_every_round_with_the_call_named()
    {
        using var net = HealthNetns.Create();
        var job = Probe(Target(HealthNetns.PeerIp));
        using var run = new Run(net, steady: false, job);
        // The binding of this test's run is jth0; a second engine is bound to a device that does not exist.
        var jobs = new[] { new ProbeJob("none", job, Binding with { Interface = "jth-none" }, new AdaptiveTimeout(job.Timeout)) };
        var reports = new BlockingCollection<ProbeReport>();
        using var engine = NamespaceThread.Run(net.Router.Name, () => ProbeEngine.Start(jobs, new Random(2),
            b => { foreach (var r in b) reports.Add(r); }, _ => false, _ => { }));
        Assert.True(reports.TryTake(out var report, TimeSpan.FromSeconds(30)));
        Assert.Contains("setsockopt(SO_BINDTODEVICE, jth-none)", report.Round.Results[0].Error);
        Assert.True(run.Next().Good);
    }

    [Fact]
    public void Good_rounds_of_an_uplink_that_is_up_are_only_heard_and_the_rounds_that_can_change_its_health_are_handed_over()
    {
        using var net = HealthNetns.Create();
        using var run = new Run(net, steady: true, Probe(Target(HealthNetns.PeerIp)));
        // The first round is handed over (no good one came before it); the good ones after it are only heard.
        Assert.True(run.Next().Good);
        WaitUntil(() => run.Heard.Count >= 11);
        Assert.All(run.Heard, r => Assert.True(r.Good, r.ToString()));
        Assert.Empty(run.Reports);

        net.BlackholePeer();
        // Good rounds still in flight stay quiet: the next round handed over is a failed one.
        var failed = run.Next();
        Assert.False(failed.Good, failed.ToString());
        Assert.Matches(NoReply(), failed.ToString());

        net.Peer.Runner.Run("nft", "delete", "table", "inet", "jth").Check();
        // The first good round after failed ones ends their run: it is handed over; then quiet again.
        Assert.NotNull(Enumerable.Range(0, 40).Select(_ => run.Next()).FirstOrDefault(r => r.Good));
        var heard = run.Heard.Count;
        WaitUntil(() => run.Heard.Count >= heard + 10);
        Assert.Empty(run.Reports);
        Assert.Empty(run.Failures);
    }

    private static void WaitUntil(Func<bool> condition)
    {
        var deadline = Environment.TickCount64 + 30_000;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, "the rounds did not come");
            Thread.Sleep(20);
        }
    }

    [GeneratedRegex(@"no echo reply within \d+ ms")]
    private static partial Regex NoReply();

    [GeneratedRegex(@"counter packets [1-9]")]
    private static partial Regex PacketsAtLeastOne();
}
