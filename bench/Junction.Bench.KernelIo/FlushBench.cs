using System.Diagnostics;
using System.Globalization;
using Junction.Bench.Report;
using Junction.Linux.Conntrack;
using Junction.Lab;
using Junction.Linux.Namespaces;
using Junction.Linux.Processes;
using Junction.Model;

namespace Junction.Bench.KernelIo;

/// <summary>
/// Where a dead uplink's flush spends its time: each way in a fresh namespace holding
/// <c>perMark</c> entries of each uplink's mark, timed on a thread inside that namespace (as
/// the daemon runs: its socket already open), with the thread's own time on a CPU and its
/// wait for one (/proc/thread-self/schedstat), so the shared machine's load can be told
/// apart from the work.
/// </summary>
internal sealed class FlushBench(uint[] marks, uint mask, Func<int, int, uint?, IEnumerable<ConntrackSeed>> seeds, int perMark, int runs)
{
    private uint Dead => marks[1];

    /// <summary>A mark inside the mask that no entry carries.</summary>
    private uint Unused => (marks.Max() + (mask & (uint)-(int)mask)) & mask;

    /// <summary>One way to flush: whether the table holds every uplink's entries, and what is checked afterwards.</summary>
    private sealed record Way(string Label, Func<string, ConntrackNetlink, int> Flush, bool All = true, bool Flushed = true, bool Others = true,
        bool Process = false, bool Listeners = false);

    private IEnumerable<Way> Ways()
    {
        // The lab's uplinks are IPv4 only, so the daemon flushes Families.IPv4.
        yield return new Way("kernel-filtered delete of a mark no entry has (the kernel's walk of all 150,000 entries alone)",
            (_, c) => c.Delete(Unused, mask, Families.Dual), Flushed: false);
        yield return new Way("**after: the daemon's flush of an IPv4 uplink, one kernel-filtered delete keeping to IPv4 (nfgenmsg version 1)**",
            (_, c) => c.Delete(Dead, mask, Families.IPv4));
        yield return new Way("before: the daemon's flush of an IPv4 uplink until now, a dump of IPv6 by mark (is there any?) and then the kernel-filtered delete",
            (_, _) => new ConntrackNetlink(null) { KernelFamilyFilteredDelete = false }.Delete(Dead, mask, Families.IPv4));
        yield return new Way("after, with the daemon's two conntrack event listeners subscribed (connection counts, passive health)",
            (_, c) => c.Delete(Dead, mask, Families.IPv4), Listeners: true);
        yield return new Way($"after, the table holding only those {perMark:N0} (deleting them without walking others)",
            (_, c) => c.Delete(Dead, mask, Families.IPv4), All: false, Others: false);
        yield return new Way("dump by mark + one delete per entry, batched (ctnetlink; kernels before 4.19)",
            (_, _) => new ConntrackNetlink(null) { KernelFilteredDelete = false }.Delete(Dead, mask, Families.IPv4));
        yield return new Way("`conntrack -D --mark` as a process (before the in-process flush)",
            (ns, _) => Deleted(new CommandRunner(ns).Run("conntrack", "-D", "--mark", $"0x{Dead:x}/0x{mask:x}")), Process: true);
        yield return new Way($"for scale: `conntrack -F` as a process, all {3 * perMark:N0} entries",
            (ns, _) => { new CommandRunner(ns).Check("conntrack", "-F"); return 3 * perMark; }, Flushed: false, Others: false, Process: true);
    }

    public MarkdownTable Run()
    {
        var ways = Ways().ToList();
        var results = ways.ToDictionary(w => w, _ => new List<(double Wall, double Cpu, double Wait, int Deleted, long Kept)>());
        for (var r = 0; r < runs; r++)
            foreach (var way in ways)
                results[way].Add(Measure(way));
        var table = new MarkdownTable($"flush of one uplink's {perMark:N0} entries (median of {runs})", "wall, ms (min–max)", "on a CPU, ms", "waiting for a CPU, ms", "blocked (neither), ms", "entries deleted", "other uplinks' entries left");
        foreach (var way in ways)
        {
            var m = results[way];
            var wall = m.Select(x => x.Wall).ToList();
            table.Row(way.Label, $"{Stats.Median(wall):0.0} ({wall.Min():0.0}–{wall.Max():0.0})",
                way.Process ? "–" : $"{Stats.Median(m.Select(x => x.Cpu).ToList()):0.0}",
                way.Process ? "–" : $"{Stats.Median(m.Select(x => x.Wait).ToList()):0.0}",
                way.Process ? "–" : $"{Stats.Median(m.Select(x => Math.Max(0, x.Wall - x.Cpu - x.Wait)).ToList()):0.0}",
                m[0].Deleted, way.Others ? $"{m.Min(x => x.Kept):N0} of {2 * perMark:N0}" : "–");
        }
        return table;
    }

    private (double, double, double, int, long) Measure(Way way)
    {
        using var ns = NetworkNamespace.Create($"jbio-flush-{Environment.ProcessId}");
        var k = 0;
        foreach (var mark in way.All ? marks : [Dead]) k += ConntrackSeeder.Insert(ns.Name, seeds(k, perMark, mark), 3600);
        return NamespaceThread.Run(ns.Name, () =>
        {
            // null: this thread's namespace, as in the daemon (no namespace switch per call).
            using var conntrack = new ConntrackNetlink(null);
            conntrack.Count(Unused, mask, Families.IPv4); // the socket open, as in a running daemon
            using var counts = way.Listeners ? ConntrackCountKeeper.TryStart(mask, null) ?? throw new InvalidOperationException("no conntrack events") : null;
            using var passive = way.Listeners ? ConntrackEventListener.Open(mask, _ => { }, () => { }, () => null) : null;
            var clock = Stopwatch.StartNew();
            while (counts is { Seeded: false } && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(20);

            var before = Schedstat();
            clock.Restart();
            var deleted = way.Flush(ns.Name, conntrack);
            var wall = clock.Elapsed.TotalMilliseconds;
            var after = Schedstat();
            var (cpu, wait) = ((after.Run - before.Run) / 1e6, (after.Wait - before.Wait) / 1e6);

            var kept = marks.Where(m => m != Dead).Sum(m => conntrack.Count(m, mask, Families.Dual));
            if (way.Flushed && conntrack.Count(Dead, mask, Families.Dual) != 0) throw new InvalidOperationException($"{way.Label}: entries of the dead uplink are left");
            if (way.Others && kept != 2 * perMark) throw new InvalidOperationException($"{way.Label}: left {kept} of the other uplinks' entries");
            if (!way.Others && !way.Flushed && marks.Sum(m => conntrack.Count(m, mask, Families.Dual)) != 0) throw new InvalidOperationException($"{way.Label}: entries are left");
            Console.Error.WriteLine($"flush, {way.Label}: {wall:0.0} ms wall, {cpu:0.0} on CPU, {wait:0.0} waiting, {deleted} deleted, {kept} others left");
            return (wall, cpu, wait, deleted, kept);
        });
    }

    /// <summary>This thread's time on a CPU and waiting on a run queue, in ns.</summary>
    private static (long Run, long Wait) Schedstat()
    {
        var f = File.ReadAllText("/proc/thread-self/schedstat").Split(' ');
        return (long.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture));
    }

    private static int Deleted(CommandResult result)
    {
        var m = System.Text.RegularExpressions.Regex.Match(result.Stderr, @"(\d+) flow entries have been deleted");
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException(result.Stderr);
    }
}
