using System.Diagnostics;
using Junction.Kernel.Tests.Lab;
using Junction.Lab;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Ha;

/// <summary>
/// The HA lab with its software running: two routers, each with conntrackd, keepalived
/// (from <c>junction ha render</c>) and <c>junction run</c> (the CLI, as users run it),
/// its service in this process. Disposing removes the namespaces, which ends every daemon
/// inside them, also when the test failed. Waits poll with bounded timeouts and fail with
/// the routers' logs; nothing asserts on elapsed time.
/// </summary>
internal sealed class HaLab : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Process?[] _daemons = new Process?[3];
    private readonly List<string>[] _logs = [[], [], []];

    private HaLab(TestLab lab)
    {
        Lab = lab;
        Pair = new HaPair(lab.Topology, LabNetwork.StateDirectoryOf(lab.Topology.Prefix));
    }

    public TestLab Lab { get; }
    public HaPair Pair { get; }
    public LabTopology Topology => Lab.Topology;

    /// <summary>Skips the test, with the reason, where keepalived or conntrackd is not installed (setup.sh installs both).</summary>
    public static void SkipUnlessInstalled()
    {
        TestLab.SkipUnlessNamespaces();
        foreach (var tool in new[] { "keepalived", "conntrackd" })
            if (!CommandRunner.Current.Run("sh", ["-c", $"command -v {tool}"]).Ok)
                Assert.Skip($"{tool} is not installed (./setup.sh installs it)");
    }

    /// <summary>Builds the lab and starts both routers; returns once router 1 is master over every uplink and router 2 its backup.</summary>
    public static async Task<HaLab> Start(int uplinks = 3, int[]? weights = null, bool preempt = true)
    {
        SkipUnlessInstalled();
        var lab = new HaLab(TestLab.Start(HaLabBuilder.Options(new LabOptions { Uplinks = uplinks })));
        try
        {
            weights ??= [.. Enumerable.Repeat(1, uplinks)];
            foreach (var r in new[] { 1, 2 })
                lab.Pair.WriteFiles(r, weights, preempt);
            foreach (var r in new[] { 1, 2 })
                lab.StartRouter(r);
            await lab.WaitUntil(() => lab.Pair.Role(1) == "MASTER" && lab.Pair.Role(2) == "BACKUP" && lab.Pair.HoldsGateway(1) && !lab.Pair.HoldsGateway(2),
                "router 1 master, router 2 backup");
            foreach (var r in new[] { 1, 2 })
                await lab.WaitBalancedOver(r, [.. Enumerable.Range(1, uplinks)]);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>conntrackd, then Junction (so the health file exists), then keepalived.</summary>
    public void StartRouter(int r)
    {
        Pair.StartConntrackd(r);
        StartJunction(r);
        Pair.StartKeepalived(r);
    }

    public void StartJunction(int r)
    {
        lock (_logs[r]) _logs[r].Clear();
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", Topology.RouterNamespaceOf(r), Dotnet, CliDll, "run", "-c", Pair.ConfigPath(r), "--socket", Pair.SocketPath(r) })
            psi.ArgumentList.Add(a);
        var daemon = Process.Start(psi)!;
        daemon.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_logs[r]) _logs[r].Add(e.Data); };
        daemon.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_logs[r]) _logs[r].Add("stderr: " + e.Data); };
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        _daemons[r] = daemon;
    }

    /// <summary>What 'junction status' prints in router R (as JSON when asked).</summary>
    public string Status(int r, bool json = false) =>
        Pair.Router(r).Run(Dotnet, [CliDll, "status", "--socket", Pair.SocketPath(r), .. json ? new[] { "--json" } : []], timeout: Patience).Check().Stdout;

    public string JunctionLog(int r) { lock (_logs[r]) return string.Join('\n', _logs[r]); }

    /// <summary>Everything both routers said: Junction's log, keepalived's, and the roles; for failure messages.</summary>
    public string Logs()
    {
        string Tail(string path) => File.Exists(path)
            ? string.Join('\n', File.ReadLines(path).Where(l => !l.Contains("gratuitous ARP", StringComparison.Ordinal)).TakeLast(30))
            : "(none)";
        return string.Join("\n", new[] { 1, 2 }.Select(r =>
            $"--- router {r}: role {Pair.Role(r) ?? "none"}, gateway {(Pair.HoldsGateway(r) ? "here" : "not here")}, {Conntrack(r).Count} conntrack entries to the service"
            + $"\n--- junction {r} ---\n{JunctionLog(r)}\n--- keepalived {r} ---\n{Tail(Pair.Log(r, "keepalived"))}\n--- conntrackd {r} ---\n{Tail(Pair.Log(r, "conntrackd"))}"));
    }

    public Task WaitUntil(Func<bool> done, string what) => WaitUntil(() => Task.FromResult(done()), what);

    public async Task WaitUntil(Func<Task<bool>> done, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await done())
        {
            if (deadline.Elapsed > Patience) Assert.Fail($"not within {Patience.TotalSeconds} s: {what}\n{Logs()}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits until router R's installed table balances new connections over exactly these uplinks.</summary>
    public Task WaitBalancedOver(int r, params int[] uplinks) =>
        WaitUntil(() => BalancedOver(r) is { } now && now.SetEquals(uplinks), $"router {r} balancing over [{string.Join(", ", uplinks)}]");

    public HashSet<int>? BalancedOver(int r)
    {
        var table = Pair.Router(r).Run("nft", "list", "chain", "inet", "junction", "choose");
        if (!table.Ok) return null;
        return [.. System.Text.RegularExpressions.Regex.Matches(table.Stdout, @"goto mark_isp(\d+)").Select(m => int.Parse(m.Groups[1].Value))];
    }

    /// <summary>
    /// Router R's conntrack entries toward the service, by the client's source port: the
    /// uplink in the mark and the address the reply is sent to (the SNAT address).
    /// </summary>
    public IReadOnlyDictionary<int, (int Uplink, string ReplyTo)> Conntrack(int r)
    {
        var entries = new Dictionary<int, (int, string)>();
        var text = Pair.Router(r).Run("conntrack", "-L", "-p", "tcp", "--dport", LabTopology.ServicePort.ToString()).Stdout;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var sport = fields.FirstOrDefault(f => f.StartsWith("sport="));
            var mark = fields.FirstOrDefault(f => f.StartsWith("mark="));
            var dsts = fields.Where(f => f.StartsWith("dst=")).ToList();
            if (sport is null || mark is null || dsts.Count < 2) continue;
            entries[int.Parse(sport[6..])] = ((int)((uint.Parse(mark[5..]) >> 16) & 0xff), dsts[1][4..]);
        }
        return entries;
    }

    /// <summary>Connections per uplink the server saw for fresh connections from client 1 (index 0: unattributable).</summary>
    public async Task<int[]> NewConnections(int count)
    {
        var outcomes = await ConnectionDriver.RunAsync(Lab.From(1, count) with { Timeout = TimeSpan.FromSeconds(10) }, TestContext.Current.CancellationToken);
        Assert.All(outcomes, o => Assert.True(o.Ok, o.Error + "\n" + Logs()));
        return Lab.PerUplink(outcomes);
    }

    public Task<HeldConnections> Hold(int count) =>
        ConnectionDriver.OpenAsync(Lab.From(1, count) with { Timeout = TimeSpan.FromSeconds(10) }, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var d in _daemons)
            {
                if (d is { HasExited: false })
                {
                    d.Kill(entireProcessTree: true);
                    await d.WaitForExitAsync();
                }
                d?.Dispose();
            }
        }
        finally
        {
            await Lab.DisposeAsync();
        }
    }

    private static string CliDll => Path.Combine(AppContext.BaseDirectory, "junction.dll");

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}
