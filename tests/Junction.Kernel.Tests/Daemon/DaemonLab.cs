using System.Diagnostics;
using System.Text.RegularExpressions;
using Junction.Kernel.Tests.Balancing;
using Junction.Lab;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Daemon;

/// <summary>
/// A lab whose router runs <c>junction run</c> as users do: the CLI program started inside
/// the router namespace (<c>ip netns exec ROUTER dotnet junction.dll run -c FILE</c>), its
/// log collected line by line. Disposing kills the daemon if it still runs and removes the
/// lab, also when the test failed. Waits poll with a bounded timeout and fail with the
/// daemon's log; nothing asserts on elapsed time. The control socket is the lab's own
/// (<see cref="SocketPath"/>, in a private temporary directory), never the machine's.
/// </summary>
internal sealed partial class DaemonLab : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly List<string> _log = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("jtd-").FullName;
    private Process? _daemon;

    private DaemonLab(BalancedLab lab)
    {
        Lab = lab;
        // Operator overrides are kept in the lab's directory, never the machine's /var/lib/junction.
        Environment["JUNCTION_STATE_DIR"] = _dir;
    }

    public BalancedLab Lab { get; }
    public LabTopology Topology => Lab.Topology;
    public CommandRunner Router => Lab.Lab.Network.Router;
    public string ConfigPath => Path.Combine(_dir, "junction.yaml");

    /// <summary>The daemon's control socket (<c>--socket</c>).</summary>
    public string SocketPath => Path.Combine(_dir, "junction.sock");

    /// <summary>The top of the configuration <see cref="Run"/> writes (top-level keys before 'uplinks:').</summary>
    public string Header { get; set; } = "lan: [lan]";

    /// <summary>Lines added to uplink i's entry by <see cref="Run"/> (e.g. "    tier: 2"); none when null.</summary>
    public Func<int, string>? UplinkExtra { get; set; }

    /// <summary>A program (and its arguments) that execs the daemon, e.g. prlimit to give it fewer file descriptors.</summary>
    public string[] Wrapper { get; set; } = [];

    /// <summary>Environment variables the daemon gets besides this process's own (e.g. NOTIFY_SOCKET).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>
    /// The program (and leading arguments) that is junction: this build through dotnet, unless
    /// a test runs another one (the native executable unpacked from the Debian package).
    /// </summary>
    public string[] Program { get; set; } = [Dotnet, CliDll];

    public static DaemonLab Start(int uplinks = 2) => new(BalancedLab.Start(new LabOptions { Uplinks = uplinks }));

    /// <summary>Writes the configuration (uplinks isp1..N with these weights) and starts the daemon.</summary>
    public DaemonLab Run(int[] weights, params string[] options)
    {
        WriteConfig(weights);
        return Launch(options);
    }

    /// <summary>Starts the daemon on a configuration written whole by the test.</summary>
    public DaemonLab RunText(string config, params string[] options)
    {
        WriteConfigText(config);
        return Launch(options);
    }

    private DaemonLab Launch(string[] options)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["netns", "exec", Topology.RouterNamespace, .. Wrapper, .. Program, "run", "-c", ConfigPath, "--socket", SocketPath, .. options])
            psi.ArgumentList.Add(a);
        foreach (var (key, value) in Environment) psi.Environment[key] = value;
        _daemon = Process.Start(psi)!;
        _daemon.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.Add(e.Data); };
        _daemon.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.Add("stderr: " + e.Data); };
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
        return this;
    }

    public void WriteConfig(int[] weights, string? header = null) => File.WriteAllText(ConfigPath, Lab.Config(header ?? Header, weights, UplinkExtra));

    public void WriteConfigText(string text) => File.WriteAllText(ConfigPath, text);

    public string Log { get { lock (_log) return string.Join('\n', _log); } }

    public int LogCount(string text) { lock (_log) return _log.Count(l => l.Contains(text, StringComparison.Ordinal)); }

    public bool Running => _daemon is { HasExited: false };

    /// <summary>The daemon's pid (<c>ip netns exec</c> execs it, so it is the started process's own).</summary>
    public int Pid => _daemon!.Id;

    /// <summary>Another <c>junction run</c> in the router, waited for: what a second daemon would do.</summary>
    public CommandResult RunAnother(params string[] args) =>
        Router.Run(Program[0], [.. Program[1..], "run", "-c", ConfigPath, .. args], timeout: Patience);

    /// <summary>Any other junction verb, in the router, waited for.</summary>
    public CommandResult Cli(params string[] args) => Router.Run(Dotnet, [CliDll, .. args], timeout: Patience * 3);

    /// <summary>The ownership comment of the router's Junction table; null without one.</summary>
    public string? TableComment() =>
        Router.Run("nft", "list", "table", "inet", "junction") is { Ok: true } t ? Comment().Match(t.Stdout).Value : null;

    public void Signal(string signal) => CommandRunner.Current.Check("kill", "-" + signal, _daemon!.Id.ToString());

    /// <summary>Polls until <paramref name="done"/> holds; fails with the daemon's log after <see cref="Patience"/>.</summary>
    public Task WaitUntil(Func<bool> done, string what) => WaitUntil(() => Task.FromResult(done()), what);

    /// <summary>The same for a condition that has to be awaited (an HTTP request, say).</summary>
    public async Task WaitUntil(Func<Task<bool>> done, string what, TimeSpan? patience = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await done())
        {
            if (deadline.Elapsed > (patience ?? Patience)) Assert.Fail($"not within {(patience ?? Patience).TotalSeconds} s: {what}\n--- daemon log ---\n{Log}");
            if (_daemon is { HasExited: true }) Assert.Fail($"the daemon exited ({_daemon.ExitCode}) while waiting for: {what}\n--- daemon log ---\n{Log}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public Task WaitForLog(string text, int count = 1) => WaitUntil(() => LogCount(text) >= count, $"log line '{text}' (x{count})");

    /// <summary>Waits until the installed table balances new connections over exactly these uplinks (none: the main table).</summary>
    public Task WaitBalancedOver(params int[] uplinks) =>
        WaitUntil(() => BalancedOver() is { } now && now.SetEquals(uplinks), $"balancing over [{string.Join(", ", uplinks)}]");

    /// <summary>The uplinks the choose chain hands new connections to; null when no table is installed.</summary>
    public HashSet<int>? BalancedOver()
    {
        var table = Router.Run("nft", "list", "table", "inet", "junction");
        if (!table.Ok) return null;
        var choose = ChooseChain().Match(table.Stdout);
        return choose.Success ? MarkGoto().Matches(choose.Groups[1].Value).Select(m => int.Parse(m.Groups[1].Value)).ToHashSet() : null;
    }

    public async Task<int[]> Connections(int count) => Lab.PerUplink(await Lab.Connect(count));

    /// <summary>Conntrack entries toward the lab service carrying uplink i's mark.</summary>
    public int ConntrackOf(int uplink) => Lab.ConntrackMarks().Values.Count(m => (m & 0x00ff0000) == (uint)uplink << 16);

    /// <summary>
    /// Silently drops what the router sends into ISP i (all of it, or only ICMP): the
    /// carrier stays up, so only probes can tell.
    /// </summary>
    public void Blackhole(int isp, bool icmpOnly = false) =>
        Lab.Lab.Network.Isp(isp).Run("nft", ["-f", "-"],
            $"table inet blackhole {{\n chain pre {{ type filter hook prerouting priority -300; policy accept; iifname \"router\" {(icmpOnly ? "meta l4proto icmp " : "")}drop; }}\n}}\n").Check();

    public void Unblackhole(int isp) => Lab.Lab.Network.Isp(isp).Check("nft", "delete", "table", "inet", "blackhole");

    /// <summary>Stops the daemon with SIGTERM and returns its exit code.</summary>
    public async Task<int> Stop()
    {
        Signal("TERM");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        try
        {
            await _daemon!.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the daemon did not exit within {Patience.TotalSeconds} s of SIGTERM; {ProcState()}; its log:\n{Log}");
        }
        return _daemon.ExitCode;
    }

    /// <summary>Signal masks and what each thread waits in, for a daemon that did not stop.</summary>
    private string ProcState()
    {
        try
        {
            var pid = _daemon!.Id;
            var status = File.ReadAllLines($"/proc/{pid}/status").Where(l => l.StartsWith("Sig") || l.StartsWith("Shd") || l.StartsWith("State"));
            var threads = Directory.GetDirectories($"/proc/{pid}/task").Select(t =>
                $"{File.ReadAllText(t + "/comm").Trim()}:{File.ReadAllText(t + "/wchan").Trim()}");
            return $"{string.Join(' ', status)}; threads: {string.Join(", ", threads)}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "no /proc state: " + e.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_daemon is { HasExited: false })
            {
                _daemon.Kill(entireProcessTree: true);
                await _daemon.WaitForExitAsync();
            }
            _daemon?.Dispose();
        }
        finally
        {
            await Lab.DisposeAsync();
            Directory.Delete(_dir, recursive: true);
        }
    }

    [GeneratedRegex(@"chain choose \{\n(.*?)\n\t\}", RegexOptions.Singleline)]
    private static partial Regex ChooseChain();

    [GeneratedRegex("comment \"junction:[^\"]*\"")]
    private static partial Regex Comment();

    [GeneratedRegex(@"goto mark_isp(\d+)")]
    private static partial Regex MarkGoto();

    private static string CliDll => Path.Combine(AppContext.BaseDirectory, "junction.dll");

    private static string Dotnet => System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}
