using System.Diagnostics;
using System.Net;
using System.Text;
using Junction.Configuration;
using Junction.Ha;
using Junction.Linux.Processes;

namespace Junction.Lab;

/// <summary>
/// The software of the HA lab's two routers: for each, a Junction file (the same on both
/// but for ha.state-dir, since both routers share this machine's /run), the keepalived and
/// conntrackd configuration <c>junction ha render</c> makes from it, and the two daemons,
/// started inside the router's namespace with every pid file, lock, socket and log in the
/// router's own directory (never the host's /etc or /run/keepalived). Junction itself is
/// started by the caller (the CLI or a test), with <see cref="ConfigPath"/>.
/// </summary>
public sealed class HaPair(LabTopology topology, string root)
{
    // High priorities: VRRP's skew time ((256 - priority) x advert / 256) is part of how long
    // a backup waits for a silent master; at 240 it is 6 ms, at 100 it would be 61 ms.
    public const int PrimaryPriority = 250;
    public const int StandbyPriority = 240;
    public const int VirtualRouterId = 51;

    /// <summary>ha.hold-after-start, shorter than the default: the lab's few hundred connections resync in milliseconds.</summary>
    public const string HoldAfterStart = "3s";

    public LabTopology Topology { get; } = topology;

    /// <summary>Router R's directory: its Junction file, the rendered files, and the run-time state (ha.state-dir).</summary>
    public string Directory(int router) => Path.Combine(root, $"router{router}");

    public string ConfigPath(int router) => Path.Combine(Directory(router), "junction.yaml");
    public string SocketPath(int router) => Path.Combine(Directory(router), "junction.sock");
    public string Log(int router, string daemon) => Path.Combine(Directory(router), daemon + ".log");
    public string RoleFile(int router) => Path.Combine(Directory(router), "vrrp");

    public CommandRunner Router(int router) => new(Topology.RouterNamespaceOf(router));

    /// <summary>The Junction file of router R: uplinks ispI on wanI, fixed ids, each SNATing to its virtual address.</summary>
    public string JunctionYaml(int router, IReadOnlyList<int> weights, string? extraTop = null)
    {
        var s = new StringBuilder()
            .AppendLine($"# HA lab '{Topology.Prefix}', router {router}: the same file on both routers but for ha.state-dir.")
            .AppendLine($"lan: [{LabTopology.LanInterface}]")
            .AppendLine($"ha: {{ state-dir: {Directory(router)}, flush-delay: 2s, hold-after-start: {HoldAfterStart} }}");
        if (extraTop is { Length: > 0 }) s.AppendLine(extraTop);
        s.AppendLine("uplinks:");
        for (var i = 1; i <= Topology.Uplinks; i++)
            s.AppendLine($"  - {{ name: isp{i}, interface: {Topology.WanInterface(i)}, gateway: {Topology.IspGateway(i)}, id: {i}, weight: {weights[i - 1]}, snat: {{ addresses: [{Topology.WanVirtualAddress(i)}] }} }}");
        return s.ToString();
    }

    /// <summary>Writes router R's Junction file and what <see cref="HaRenderer"/> makes of it; throws with every reason if it refuses.</summary>
    public void WriteFiles(int router, IReadOnlyList<int> weights, bool preempt = true, string? extraTop = null)
    {
        var dir = Directory(router);
        System.IO.Directory.CreateDirectory(dir);
        var yaml = JunctionYaml(router, weights, extraTop);
        File.WriteAllText(ConfigPath(router), yaml);
        var errors = new List<string>();
        var files = HaRenderer.Render(ConfigLoader.LoadText(yaml, ConfigPath(router)), new HaRenderOptions
        {
            RouterId = Topology.RouterNamespaceOf(router),
            Priority = router == 1 ? PrimaryPriority : StandbyPriority,
            VirtualRouterId = VirtualRouterId,
            LanVirtualAddress = LabTopology.RouterLanAddress,
            LanPrefixLength = LabTopology.LanPrefixLength,
            SyncInterface = LabTopology.SyncInterface,
            SyncAddress = Topology.SyncAddress(router),
            PeerSyncAddress = Topology.SyncAddress(3 - router),
            Preempt = preempt,
            ConntrackdLog = Log(router, "conntrackd"),
            ConfigDirectory = dir,
            Source = ConfigPath(router),
        }, errors);
        if (errors.Count > 0) throw new InvalidOperationException("ha render refused the lab's file: " + string.Join("; ", errors));
        foreach (var (name, text) in files.All)
        {
            var path = Path.Combine(dir, name);
            File.WriteAllText(path, text);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, HaFiles.Mode(name));
        }
    }

    /// <summary>Starts conntrackd in router R (it forks itself) and waits until its control socket answers.</summary>
    public void StartConntrackd(int router)
    {
        var conf = Path.Combine(Directory(router), HaFiles.ConntrackdName);
        foreach (var stale in new[] { "conntrackd.lock", "conntrackd.ctl" })
            File.Delete(Path.Combine(Directory(router), stale));
        Router(router).Run("conntrackd", ["-C", conf, "-d"], timeout: TimeSpan.FromSeconds(20)).Check();
        WaitFor(() => Router(router).Run("conntrackd", ["-C", conf, "-s"], timeout: TimeSpan.FromSeconds(10)).Ok,
            $"conntrackd in {Topology.RouterNamespaceOf(router)} answering on its socket");
    }

    /// <summary>Starts keepalived (VRRP only) in router R, in the foreground of a detached session, logging to its directory.</summary>
    public void StartKeepalived(int router)
    {
        var dir = Directory(router);
        // A killed keepalived leaves its pid files; one that names a pid still present (a
        // zombie nobody reaped) would make the new one refuse to start.
        foreach (var stale in new[] { RoleFile(router), Path.Combine(dir, "keepalived.pid"), Path.Combine(dir, "keepalived-vrrp.pid"), Path.Combine(dir, "keepalived-checkers.pid") })
            File.Delete(stale);
        StartDetached(router, Log(router, "keepalived"), "keepalived",
            ["--dont-fork", "--log-console", "--log-detail", "--no-syslog", "--vrrp",
             "--use-file", Path.Combine(dir, HaFiles.KeepalivedName),
             "--pid", Path.Combine(dir, "keepalived.pid"), "--vrrp_pid", Path.Combine(dir, "keepalived-vrrp.pid"),
             "--checkers_pid", Path.Combine(dir, "keepalived-checkers.pid")]);
    }

    /// <summary>
    /// Kills router R's keepalived (SIGKILL, so no goodbye advert), by the ids in its own pid
    /// files: never by name, which would reach every keepalived on the machine.
    /// </summary>
    public void KillKeepalived(int router)
    {
        foreach (var file in new[] { "keepalived-vrrp.pid", "keepalived.pid" })
        {
            var path = Path.Combine(Directory(router), file);
            if (File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out var pid) && pid > 1)
                CommandRunner.Current.Run("kill", "-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Runs a program inside router R detached from this process (a new session, output to
    /// <paramref name="log"/>), so it outlives a 'lab up'. Removing the namespace ends it.
    /// </summary>
    public void StartDetached(int router, string log, string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("sh") { UseShellExecute = false };
        foreach (var a in new[] { "-c", "log=$1; shift; setsid \"$@\" </dev/null >>\"$log\" 2>&1 &", "sh", log, "ip", "netns", "exec", Topology.RouterNamespaceOf(router), program })
            psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var shell = Process.Start(psi) ?? throw new InvalidOperationException("could not start sh");
        shell.WaitForExit();
    }

    /// <summary>What keepalived's notify script last recorded for router R ("MASTER", "BACKUP", ...); null before the first.</summary>
    public string? Role(int router)
    {
        try
        {
            return File.Exists(RoleFile(router)) ? File.ReadAllText(RoleFile(router)).Split(' ')[0].Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Whether router R holds the clients' gateway address now (keepalived added it).</summary>
    public bool HoldsGateway(int router) =>
        Router(router).Run("ip", ["-4", "-o", "addr", "show", "dev", LabTopology.LanInterface]).Stdout.Contains($" {LabTopology.RouterLanAddress}/");

    /// <summary>
    /// A power cut of router R: every process in its namespace killed (no goodbye advert, no
    /// last sync message) and every link down in one batch. Returns the wall-clock moment
    /// just before its processes were frozen (its last advert was sent before that).
    /// </summary>
    public DateTimeOffset PowerCut(int router)
    {
        var ns = Topology.RouterNamespaceOf(router);
        var pids = CommandRunner.Current.Run("ip", "netns", "pids", ns).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // Frozen first, so nothing says goodbye: killed, keepalived's VRRP child would get
        // SIGTERM from its dying parent and send a priority-0 advert, which no dead router
        // does. Freeze, links down and kill run in one shell, so the control plane's silence
        // and the data plane's end are one exec of 'ip' apart, as close to a power cut as
        // user space gets. The pids and names reach sh as arguments, never as code.
        var batch = new StringBuilder().AppendLine($"link set {LabTopology.LanInterface} down").AppendLine($"link set {LabTopology.SyncInterface} down");
        for (var i = 1; i <= Topology.Uplinks; i++) batch.AppendLine($"link set {Topology.WanInterface(i)} down");
        var said = CommandRunner.Current.Run("sh", ["-c", "ns=$1; shift; date +%s%N; [ $# -eq 0 ] || kill -STOP \"$@\"; ip -n \"$ns\" -batch - && { [ $# -eq 0 ] || kill -KILL \"$@\"; }", "sh", ns, .. pids],
            stdin: batch.ToString()).Check();
        return long.TryParse(said.Stdout.Split('\n')[0].Trim(), out var ns1970)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ns1970 / 1_000_000).AddTicks(ns1970 % 1_000_000 / 100)
            : throw new InvalidOperationException($"power cut: 'date' printed '{said.Stdout}'");
    }

    /// <summary>Power back: links up; the router's kernel forgot its connections, as after a reboot. Its daemons are started by the caller.</summary>
    public void PowerBack(int router)
    {
        var ns = Topology.RouterNamespaceOf(router);
        Router(router).Run("conntrack", ["-F"]);
        // ha.state-dir is under /run, which a reboot empties: the health and role files go too.
        File.Delete(Path.Combine(Directory(router), "health"));
        File.Delete(RoleFile(router));
        var batch = new StringBuilder().AppendLine($"link set {LabTopology.LanInterface} up").AppendLine($"link set {LabTopology.SyncInterface} up");
        for (var i = 1; i <= Topology.Uplinks; i++) batch.AppendLine($"link set {Topology.WanInterface(i)} up");
        // The links going down took the main table's default route with them; a booting
        // router's network configuration puts it back. Without it, the loose reverse-path
        // filter on the uplinks finds no route to the internet and drops every reply.
        batch.AppendLine($"route replace default via {Topology.IspGateway(1)} dev {Topology.WanInterface(1)}");
        LabNetwork.Batch(ns, batch);
    }

    /// <summary>Router R's port on ISP I's switch up or down: the carrier of its wanI follows.</summary>
    public void UplinkCarrier(int router, int uplink, bool up) =>
        new CommandRunner(Topology.IspNamespace(uplink)).Run("ip", ["link", "set", LabTopology.SwitchPort(router), up ? "up" : "down"]).Check();

    /// <summary>
    /// Silently drops every frame router R sends into ISP I's switch (a bridge-family rule
    /// on its port), while the carrier stays up and the peer's port works: only probes can tell.
    /// </summary>
    public void Blackhole(int router, int uplink, bool on)
    {
        var isp = new CommandRunner(Topology.IspNamespace(uplink));
        if (on)
            isp.Run("nft", ["-f", "-"], $"table bridge blackhole {{\n chain pre {{ type filter hook prerouting priority -300; policy accept; iifname \"{LabTopology.SwitchPort(router)}\" drop; }}\n}}\n").Check();
        else
            isp.Run("nft", ["delete", "table", "bridge", "blackhole"]).Check();
    }

    private static void WaitFor(Func<bool> done, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!done())
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"not within 30 s: {what}");
            Thread.Sleep(50);
        }
    }

    public override string ToString() => $"HA pair in lab {Topology.Prefix} ({root})";

    internal static IPAddress Parse(string text) => IPAddress.Parse(text);
}
