namespace Junction.Status;

/// <summary>Joins the daemon's snapshot with the kernel's figures into one report. Pure.</summary>
public static class StatusBuilder
{
    public static StatusReport Build(DaemonSnapshot snapshot, KernelFigures kernel, NewConnectionWindow window)
    {
        var (covered, recent) = window.Recent();
        var totals = window.Totals();
        var mask = snapshot.MarkMask;
        var byMark = kernel.Connections.GroupBy(c => c.Mark & mask).ToDictionary(g => g.Key, g => g.Sum(c => c.Count));
        var newSum = snapshot.Uplinks.Sum(u => recent.GetValueOrDefault(u.Name));
        var liveSum = snapshot.Uplinks.Sum(u => byMark.GetValueOrDefault(u.Mark & mask));

        var uplinks = snapshot.Uplinks.Select(u =>
        {
            var fresh = recent.GetValueOrDefault(u.Name);
            var live = byMark.GetValueOrDefault(u.Mark & mask);
            var bytes = kernel.Interfaces.GetValueOrDefault(u.Interface);
            var snat = u.SnatPool.Select(a => new SnatUse(a,
                kernel.Connections.Where(c => (c.Mark & mask) == (u.Mark & mask) && c.SeenSource == a).Sum(c => c.Count))).ToList();
            return new UplinkFigures(u.Name, fresh, newSum == 0 ? null : fresh / (double)newSum, totals.GetValueOrDefault(u.Name),
                live, liveSum == 0 ? null : live / (double)liveSum, bytes?.Receive, bytes?.Transmit, snat);
        }).ToList();
        return new StatusReport(snapshot, uplinks, covered, liveSum, kernel.Errors, kernel.Counting);
    }
}
