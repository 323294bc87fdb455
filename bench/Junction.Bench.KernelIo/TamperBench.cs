using System.Diagnostics;
using Junction.Bench.Report;
using Junction.Linux.Apply;
using Junction.Linux.Netlink;
using Junction.Linux.Nftables;
using Junction.Linux.Processes;
using Junction.Model;
using Junction.Planning;

namespace Junction.Bench.KernelIo;

/// <summary>
/// How soon the daemon puts back what someone removed by hand: its nftables table after
/// <c>nft flush ruleset</c>, an ip rule and a route of its own. The benchmark watches the
/// router's netlink notifications itself (a <see cref="KernelChangeWatcher"/> of its own,
/// read on a dedicated thread) and times, from just before the tampering command, the
/// notification of the removal and the one of the daemon putting it back.
/// </summary>
internal sealed class TamperBench(string router, JunctionModel model, int trials)
{
    private readonly List<(long At, string What)> _seen = [];

    public MarkdownTable Table { get; } = new($"removed by hand (median of {trials}, min–max)", "live conntrack entries", "the command took, ms",
        "removal notified after, ms", "put back (notified) after, ms", "put back after the removal, ms");

    /// <summary>Each tampering in turn, <paramref name="trials"/> times, with the conntrack table as it is now (<paramref name="entries"/> live).</summary>
    public void Run(string entries)
    {
        var owner = Ownership.For(Planner.Plan(model, new HashSet<string>()));
        using var watcher = KernelChangeWatcher.Open(DesiredState.TableName, router);
        watcher.Watch(new KernelChangeWatcher.Scope(owner.Tables, owner.Priorities));
        var reader = new Thread(() =>
        {
            try
            {
                while (watcher.Changes.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                    while (watcher.Changes.TryRead(out var c))
                        lock (_seen) _seen.Add((Stopwatch.GetTimestamp(), c.What));
            }
            catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
            {
            }
        }) { IsBackground = true, Name = "tamper-watch" };
        reader.Start();

        var shell = new CommandRunner(router);
        var nft = LibNftables.For(router);
        var rule = shell.Check("ip", "rule").Split('\n').First(l => l.Contains($"fwmark 0x{model.Marks.Value(2):x}/", StringComparison.Ordinal));
        var priority = rule[..rule.IndexOf(':')];
        var table = rule[(rule.LastIndexOf("lookup ", StringComparison.Ordinal) + 7)..].Trim();

        Measure(entries, "`nft flush ruleset` (Junction's table, through libnftables in the router)", () => nft.Run("flush ruleset").Check("flush ruleset"),
            removed: w => w.Contains("nftables table", StringComparison.Ordinal), back: w => w.Contains("nftables table", StringComparison.Ordinal),
            isBack: () => !nft.Run($"list table {DesiredState.TableFamily} {DesiredState.TableName}").NotFound);
        Measure(entries, $"`ip rule del priority {priority}` (uplink 2's fwmark rule)", () => shell.Check("ip", "rule", "del", "priority", priority),
            removed: w => w.Contains("was deleted", StringComparison.Ordinal), back: w => w.Contains("was added", StringComparison.Ordinal),
            isBack: () => shell.Check("ip", "rule").Contains(rule, StringComparison.Ordinal));
        Measure(entries, $"`ip route del default table {table}` (uplink 2's default route)", () => shell.Check("ip", "route", "del", "default", "table", table),
            removed: w => w.Contains("was deleted", StringComparison.Ordinal), back: w => w.Contains("was added", StringComparison.Ordinal),
            isBack: () => shell.Check("ip", "route", "show", "table", table).Contains("default", StringComparison.Ordinal));
    }

    /// <summary>
    /// The watcher tells a burst of notifications once until it is read: when the put-back came
    /// before this benchmark read the removal, its notification is not seen. Such a trial is
    /// repeated if the kernel holds the thing again (and counted); if not, the benchmark fails.
    /// </summary>
    public int Repeated { get; private set; }

    private void Measure(string entries, string label, Action tamper, Func<string, bool> removed, Func<string, bool> back, Func<bool> isBack)
    {
        var took = new List<double>();
        var gone = new List<double>();
        var returned = new List<double>();
        var gap = new List<double>();
        for (var t = 0; t < trials; t++)
        {
            // Let the daemon settle after the previous trial's re-apply (and its own notifications).
            Thread.Sleep(1000);
            lock (_seen) _seen.Clear();
            var start = Stopwatch.GetTimestamp();
            tamper();
            took.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            var deadline = Stopwatch.StartNew();
            (long At, string What)? removal = null, restored = null;
            while (deadline.Elapsed < TimeSpan.FromSeconds(3) && restored is null)
            {
                lock (_seen)
                {
                    removal ??= _seen.Cast<(long, string)?>().FirstOrDefault(s => removed(s!.Value.Item2));
                    if (removal is { } r) restored = _seen.Cast<(long, string)?>().FirstOrDefault(s => s!.Value.Item1 > r.At && back(s.Value.Item2));
                }
                Thread.Sleep(1);
            }
            if ((removal is null || restored is null) && isBack() && Repeated < 3 * trials)
            {
                Repeated++;
                t--;
                continue;
            }
            if (removal is null || restored is null) throw new InvalidOperationException($"{label}: not put back within 3 s (seen: {string.Join("; ", _seen.Select(s => s.What))})");
            gone.Add(Stopwatch.GetElapsedTime(start, removal.Value.At).TotalMilliseconds);
            returned.Add(Stopwatch.GetElapsedTime(start, restored.Value.At).TotalMilliseconds);
            gap.Add(Stopwatch.GetElapsedTime(removal.Value.At, restored.Value.At).TotalMilliseconds);
            Console.Error.WriteLine($"tamper, {label}: removal notified at {gone[^1]:0.0} ms, back at {returned[^1]:0.0} ms");
        }
        Table.Row(label, entries, Range(took), Range(gone), Range(returned), Range(gap));
    }

    private static string Range(List<double> ms) => $"{Stats.Median(ms):0.0} ({ms.Min():0.0}–{ms.Max():0.0})";
}
