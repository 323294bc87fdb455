using System.Text.Json;
using Junction.Explain;
using Junction.Linux.Conntrack;
using Junction.Linux.Interop;
using Junction.Linux.Netlink;
using Junction.Linux.Nftables;
using Junction.Linux.Processes;
using Junction.Planning;
using Junction.Status;

namespace Junction.Linux.Observe;

/// <summary>
/// Reads the live figures status and metrics report in the namespace the runner points at
/// (so a test points it at a lab router): the counter in each uplink's mark chain of
/// Junction's nftables table (<see cref="UplinkPlan.MarkChain"/>), live connections per mark and SNAT address from a
/// streaming ctnetlink dump (<see cref="IConntrack"/>; both families, nothing per entry kept)
/// or, in the daemon, from the counts its <see cref="ConntrackCountKeeper"/> keeps,
/// and interface bytes. Each read that fails is named in <see cref="KernelFigures.Errors"/>
/// and the others are still returned.
/// </summary>
public sealed class KernelObserver(CommandRunner runner, IConntrack conntrack, INftables nft)
{
    public KernelObserver(CommandRunner runner) : this(runner, new CountedConntrack(new ConntrackNetlink(runner.Netns), runner.Netns), LibNftables.For(runner.Netns)) { }

    public CommandRunner Runner { get; } = runner;

    public IConntrack Conntrack { get; } = conntrack;

    /// <param name="uplinks">the configured uplinks' names: their counters are looked for in their mark chains.</param>
    public KernelFigures Read(uint markMask, IEnumerable<string> uplinks)
    {
        var errors = new List<string>();
        var counters = Try(errors, "nftables counters", () => NewConnectionCounters(uplinks)) ?? new Dictionary<string, long>();
        ConnectionCounting? counting = null;
        var connections = Try(errors, "conntrack", () => Conntrack is CountedConntrack counted
            ? counted.CountByMark(markMask, out counting)
            : Conntrack.CountByMark(markMask)) ?? [];
        var interfaces = Try(errors, "interface counters", InterfaceBytes) ?? new Dictionary<string, InterfaceBytes>();
        return new KernelFigures(counters, connections, interfaces, errors, counting);
    }

    /// <summary>
    /// The packet count of the counter in each uplink's mark chain (one per new connection),
    /// keyed by the uplink's name: the chain is the one the planner names for that uplink
    /// (<see cref="UplinkPlan.MarkChainOf"/>), so nothing is read back from a name or a comment.
    /// </summary>
    public IReadOnlyDictionary<string, long> NewConnectionCounters(IEnumerable<string> uplinks)
    {
        var byChain = uplinks.ToDictionary(UplinkPlan.MarkChainOf, u => u, StringComparer.Ordinal);
        var result = nft.Run($"list table {DesiredState.TableFamily} {DesiredState.TableName}", json: true);
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        // No table yet (before the first apply, or after a flush): no counts, not an error.
        if (result.NotFound) return counters;
        using var doc = JsonDocument.Parse(result.Check("list Junction's table").Output);
        foreach (var item in doc.RootElement.GetProperty("nftables").EnumerateArray())
        {
            if (!item.TryGetProperty("rule", out var rule)) continue;
            if (!byChain.TryGetValue(rule.GetProperty("chain").GetString() ?? "", out var uplink)) continue;
            foreach (var expr in rule.GetProperty("expr").EnumerateArray())
                if (expr.TryGetProperty("counter", out var counter))
                    counters[uplink] = counters.GetValueOrDefault(uplink) + counter.GetProperty("packets").GetInt64();
        }
        return counters;
    }

    /// <summary>Received and sent bytes of every interface (IFLA_STATS64 of an rtnetlink link dump).</summary>
    public IReadOnlyDictionary<string, InterfaceBytes> InterfaceBytes() => Rtnetlink.InterfaceBytes();

    /// <summary>This host's own addresses (explain tells connections toward them apart).</summary>
    public IReadOnlyList<System.Net.IPAddress> LocalAddresses() =>
        Rtnetlink.LinksAndAddresses().OfType<AddressChanged>().Select(a => a.Address).ToList();

    private RtnetlinkClient? _rtnetlink;

    private RtnetlinkClient Rtnetlink => LazyInitializer.EnsureInitialized(ref _rtnetlink, () => RtnetlinkClient.Open(Runner.Netns));

    /// <summary>Conntrack entries of one connection as a person wrote it (its original direction), filtered while the dump streams.</summary>
    public IReadOnlyList<TrackedConnection> Find(ConnectionQuery q) => Conntrack.Find(q);

    private static T? Try<T>(List<string> errors, string what, Func<T> read) where T : class
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is CommandFailedException or KernelCallException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            errors.Add($"{what}: {e.Message}");
            return null;
        }
    }
}
