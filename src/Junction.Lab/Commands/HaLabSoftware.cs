using System.Diagnostics;

namespace Junction.Lab.Commands;

/// <summary>
/// 'lab up --ha': starts, on each of the two routers, conntrackd, 'junction run' and
/// keepalived (in that order, so keepalived finds Junction's health file), and waits until
/// router 1 is VRRP master.
/// </summary>
internal static class HaLabSoftware
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(30);

    public static HaPair Start(LabNetwork lab)
    {
        var pair = new HaPair(lab.Topology, lab.StateDirectory);
        var weights = Enumerable.Repeat(1, lab.Topology.Uplinks).ToList();
        var program = JunctionProgram.Path();
        foreach (var r in new[] { 1, 2 })
            pair.WriteFiles(r, weights);
        foreach (var r in new[] { 1, 2 })
        {
            pair.StartConntrackd(r);
            pair.StartDetached(r, pair.Log(r, "junction"), program, ["run", "-c", pair.ConfigPath(r), "--socket", pair.SocketPath(r)]);
            pair.StartKeepalived(r);
        }
        var waited = Stopwatch.StartNew();
        while (!(pair.Role(1) == "MASTER" && pair.Role(2) == "BACKUP"))
        {
            if (waited.Elapsed > Ready)
                throw new TimeoutException($"router 1 is not VRRP master after {Ready.TotalSeconds} s (roles: {pair.Role(1) ?? "none"}, {pair.Role(2) ?? "none"}); see {lab.StateDirectory}/router*/*.log");
            Thread.Sleep(100);
        }
        return pair;
    }

    public static void Describe(HaPair pair)
    {
        var t = pair.Topology;
        Console.WriteLine("High availability: two routers on the same segments (bridges in PREFIX-lan and in each ISP namespace), a sync link between them:");
        foreach (var r in new[] { 1, 2 })
        {
            Console.WriteLine($"  {t.RouterNamespaceOf(r)}  lan {t.RouterOwnLanAddress(r)}, wanI {string.Join(", ", Enumerable.Range(1, t.Uplinks).Select(i => t.WanAddressOf(r, i)))}, sync {t.SyncAddress(r)}; VRRP priority {(r == 1 ? HaPair.PrimaryPriority : HaPair.StandbyPriority)}, now {pair.Role(r)}");
            Console.WriteLine($"      files and logs: {pair.Directory(r)} (junction.yaml, keepalived.conf, conntrackd.conf, notify.sh, *.log)");
        }
        Console.WriteLine($"  virtual addresses: {LabTopology.RouterLanAddress} (the clients' gateway), {string.Join(", ", Enumerable.Range(1, t.Uplinks).Select(t.WanVirtualAddress))} (each uplink's SNAT address; the server sees them)");
    }
}
