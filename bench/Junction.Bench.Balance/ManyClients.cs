using System.Diagnostics;
using System.Net;
using Junction.Bench.Contenders;
using Junction.Bench.Lab;
using Junction.Bench.Report;
using Junction.Lab;
using Junction.Model;

namespace Junction.Bench.Balance;

/// <summary>
/// Balance with 20,000 clients: one connection from each of 20,000 distinct source addresses
/// through the lab router, over 8 and over 64 uplinks, twice, so the hash modes' stickiness
/// (the same client on the same uplink) shows beside the spread. The addresses are one
/// client namespace's AnyIP range (a local route for the whole prefix lets a socket bind
/// any address in it), routed to that client by the router: every connection arrives from
/// another source, as from 20,000 hosts behind the LAN.
/// </summary>
internal static class ManyClients
{
    private const int Clients = 20_000;
    private const string Range = "10.10.0.0/17";

    public static async Task Run()
    {
        var section = new Section("Balance with 20,000 clients", "Junction.Bench.Balance", "clients");
        int[] uplinkCounts = [8, 64];
        IContender[] contenders =
        [
            new JunctionContender(BalanceMode.RoundRobin), new JunctionContender(BalanceMode.Random),
            new JunctionContender(BalanceMode.HashSource), new KernelMultipath(0),
        ];
        await using var lab = BenchLab.Up(new LabOptions { Prefix = "jbcl", Uplinks = uplinkCounts.Max(), Clients = 1, ExtraWanAddresses = 0 });
        var t = lab.Topology;
        lab.StartService(LabTopology.ServiceAddress);
        BenchLab.Check(lab.Network.Client(1), "ip", "route", "add", "local", Range, "dev", "lo");
        var sources = Enumerable.Range(0, Clients).Select(i => new IPAddress([10, 10, (byte)(i / 250), (byte)(1 + i % 250)])).ToList();

        var table = new MarkdownTable("uplinks", "contender", "worst deviation, pp", "connections per uplink, min–max", "clients on the same uplink both times", "failed", "connections/s (both passes)");
        foreach (var uplinks in uplinkCounts)
        foreach (var contender in contenders)
        {
            var setup = RouterSetup.Equal(uplinks);
            RouterReset.Run(lab);
            contender.Install(lab, setup);
            // The way back to the clients (after the reset, which may rewrite the main table).
            BenchLab.Check(lab.Router, "ip", "route", "replace", Range, "via", t.ClientAddress(1).ToString());
            var clock = Stopwatch.StartNew();
            var first = await Pass(lab, sources);
            var second = await Pass(lab, sources);
            var rate = 2 * Clients / clock.Elapsed.TotalSeconds;

            var counts = new int[uplinks + 1];
            foreach (var u in first.Where(u => u > 0)) counts[u]++;
            var ok = first.Count(u => u > 0);
            var worst = counts.Skip(1).Max(c => Math.Abs(100.0 * c / Math.Max(1, ok) - 100.0 / uplinks));
            var both = first.Zip(second).Count(p => p.First > 0 && p.Second > 0);
            var same = first.Zip(second).Count(p => p.First > 0 && p.First == p.Second);
            var failed = first.Count(u => u <= 0) + second.Count(u => u <= 0);
            table.Row($"{uplinks}", contender.Name, $"{worst:0.00}", $"{counts.Skip(1).Min()}–{counts.Skip(1).Max()}",
                $"{100.0 * same / Math.Max(1, both):0.0} %", $"{failed}", $"{rate:0}");
            Console.Error.WriteLine($"{uplinks} uplinks {contender.Name,-26} worst {worst:0.00} pp, {counts.Skip(1).Min()}–{counts.Skip(1).Max()} per uplink, same uplink {same}/{both}, {failed} failed, {rate:0}/s");
        }
        RouterReset.Run(lab);

        section.Line($"{Clients:N0} clients, each opening one TCP connection to the lab's source-echo service (198.51.100.10:7000), then all of them once more (two passes, 256 connections open at a time); equal weights over 8 and over 64 uplinks, each contender installed on a freshly reset router. The clients are {Clients:N0} distinct source addresses in {Range}: an AnyIP range of client namespace c1 (`ip route add local {Range} dev lo`) that the router routes to c1, so each connection comes from another address, as from {Clients:N0} hosts behind the LAN. The uplink of a connection is the source address the server saw. *Worst deviation* is the first pass's largest |share − 1/N| in percentage points; *clients on the same uplink both times* compares each client's two connections (100 % is what hashing on the source promises; round-robin and random make no such promise).")
            .Line()
            .Table(table)
            .Line()
            .Line("Reading it: round-robin spreads the 20,000 clients exactly (the kernel's `numgen inc` counter). Random and the two source hashes land within the sampling noise of 20,000 draws: one uplink's share varies by about 0.23 pp (one standard deviation) at 8 uplinks and 0.09 pp at 64, so the worst of 8 or 64 uplinks is typically 2–3 times that. `hash-source` keeps every client on one uplink across its connections, as the kernel's L3 multipath does, while Junction still marks, restores and flushes per uplink. Round-robin's *same uplink* figure is an artefact of the counter: the second pass starts where the first ended, so it is 100 % when 20,000 is a multiple of the uplink count (8) and 0 % at 64. No connection failed; the rate is the lab's (one client namespace driving 256 connections at a time on this shared machine), not a limit of the router.");
        section.Write();
    }

    /// <summary>One connection per source; per source the uplink the server saw, 0 for an unattributable answer, -1 for a failure.</summary>
    private static async Task<int[]> Pass(BenchLab lab, IReadOnlyList<IPAddress> sources)
    {
        var outcomes = await ConnectionDriver.RunAsync(new ConnectOptions
        {
            Namespace = lab.Topology.ClientNamespace(1), Server = lab.Topology.Service, Count = sources.Count, Sources = sources,
            Parallel = ConnectOptions.MaxParallel,
        });
        return outcomes.Select(o => o.Ok ? lab.Topology.UplinkOf(o.Seen!.Address) ?? 0 : -1).ToArray();
    }
}
