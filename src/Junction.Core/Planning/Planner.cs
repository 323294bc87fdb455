using Junction.Balancing;
using Junction.Model;

namespace Junction.Planning;

/// <summary>
/// The pure heart of Junction: configuration + which uplinks are healthy → the kernel
/// state that balances new connections over the healthy ones. No I/O; the same inputs
/// always give an equal plan, so re-applying an unchanged plan changes nothing. The
/// nftables table is built by <see cref="TablePlanner"/> (with <see cref="ChoosePlanner"/>
/// and <see cref="SnatPlanner"/>), rules, routes and sysctls by <see cref="RoutingPlanner"/>.
/// </summary>
public static class Planner
{
    /// <summary>
    /// Fixed so that re-applying the table (after a reload or health change) hashes every
    /// client to the same slot as before; only the slot's owner may change.
    /// </summary>
    public const uint HashSeed = 0x4a6e6374;

    /// <param name="unhealthy">uplinks that get no new connections.</param>
    /// <param name="unroutable">
    /// uplinks whose interface cannot take a route right now (absent, down, without carrier
    /// or without an address). They count as unhealthy, and their default routes and
    /// rp_filter sysctl are left out of the plan: the kernel refuses
    /// <c>ip route replace default via GW dev X</c> when X is down or has lost its address,
    /// and a missing interface has no sysctl, either of which would fail (and roll back) the
    /// whole apply. Their ip rules stay, so probes keep their way out. The daemon re-plans
    /// when the interface is usable again and the routes come back.
    /// </param>
    public static DesiredState Plan(JunctionModel model, IReadOnlySet<string>? unhealthy = null, IReadOnlySet<string>? unroutable = null)
    {
        unroutable ??= new HashSet<string>();
        unhealthy = unroutable.Count == 0 ? unhealthy ?? new HashSet<string>() : new HashSet<string>((unhealthy ?? new HashSet<string>()).Concat(unroutable));
        // Shares are reported for IPv4 when any uplink carries it, else for IPv6.
        var primary = model.Families.HasFlag(Families.IPv4) ? Families.IPv4 : Families.IPv6;
        var healthy = model.Uplinks.Select(u => !unhealthy.Contains(u.Name)).ToArray();
        var slots = BalanceSlots(model, healthy.Select((h, i) => h && model.Uplinks[i].Families.HasFlag(primary)).ToArray());
        var uplinks = model.Uplinks.Select((u, i) => new UplinkPlan(
            u.Name, u.Interface, u.Id, model.Marks.Value(u.Id), model.Marks.Table(u.Id), u.Weight, healthy[i],
            slots.Count(s => s == i), slots.Count(s => s >= 0), u.Snat) { Tier = u.Tier, Reserve = healthy[i] && Reserve(model, healthy, u) }).ToValueList();

        return new DesiredState(
            TablePlanner.Table(model, uplinks, slots),
            RoutingPlanner.Rules(model),
            RoutingPlanner.Routes(model, unroutable),
            RoutingPlanner.Sysctls(model, unroutable),
            uplinks,
            model.Balance,
            model.Marks);
    }

    /// <summary>
    /// The owner (index into the model's uplinks) of each balancing slot; -1 marks a slot
    /// with no owner (every uplink down).
    /// </summary>
    internal static int[] BalanceSlots(JunctionModel model, IReadOnlyList<bool> healthy)
    {
        // Only the best tier with a healthy uplink is balanced over; the table of a hash mode
        // is built from that tier's members alone, so its size and slots do not change while
        // the tier stays active, and a failed member's slots are the only ones that move.
        var members = TierSelector.Members(model.Uplinks.Select(u => u.Tier).ToArray(), healthy);
        var weights = members.Select(i => model.Uplinks[i].Weight).ToArray();
        if (model.Balance is BalanceMode.HashSource or BalanceMode.HashSourceDestination)
            return ConsistentSlotTable.Build(
                members.Select(i => model.Uplinks[i].Name).ToArray(), weights, members.Select(i => healthy[i]).ToArray(), ConsistentSlotTable.SizeFor(weights))
                .Select(s => s < 0 ? -1 : members[s]).ToArray();

        var alive = members.Where(i => healthy[i]).ToArray();
        return SmoothWeightedRoundRobin.Slots(alive.Select(i => model.Uplinks[i].Weight).ToArray()).Select(s => alive[s]).ToArray();
    }

    /// <summary>
    /// A healthy uplink that gets no new connections because a better tier has a healthy
    /// uplink for every family it carries.
    /// </summary>
    private static bool Reserve(JunctionModel model, IReadOnlyList<bool> healthy, UplinkModel uplink)
    {
        var tiers = model.Uplinks.Select(u => u.Tier).ToArray();
        return new[] { Families.IPv4, Families.IPv6 }.Where(f => uplink.Families.HasFlag(f)).All(f =>
            TierSelector.Active(tiers, model.Uplinks.Select((u, i) => healthy[i] && u.Families.HasFlag(f)).ToArray()) < uplink.Tier);
    }

    internal static string Describe(BalanceMode mode) => mode switch
    {
        BalanceMode.RoundRobin => "smooth weighted round-robin",
        BalanceMode.Random => "weighted random",
        BalanceMode.HashSource => "consistent hash of the source address",
        _ => "consistent hash of source and destination addresses",
    };
}
