using Junction.Linux.Apply.Routing;
using Junction.Linux.Apply.Sysctls;
using Junction.Planning;
using Junction.Planning.Nftables;

namespace Junction.Linux.Apply;

/// <summary>
/// The applier's memory of what it applied last, and the short path it allows (see
/// <see cref="Apply"/>): proof that the kernel still holds it, and the transaction that
/// replaces only the chains and sets a new plan changes.
/// </summary>
public sealed partial class KernelApplier
{
    /// <summary>The nftables generation now; null when it cannot be read (then nothing is remembered).</summary>
    private uint? Generation()
    {
        try
        {
            return _io.Generation.Read();
        }
        catch (Interop.KernelCallException)
        {
            return null;
        }
    }

    /// <summary>What the applier last applied, while it may still be what the kernel holds.</summary>
    private sealed record Applied(DesiredState Plan, Ownership Owner, uint Generation, IReadOnlyDictionary<int, string> Links,
        IReadOnlySet<RuleSpec> Rules, IReadOnlySet<RouteSpec> Routes);

    private Applied? _last;

    /// <summary>Remembers a whole apply, unless another nftables write came between (the generation is not the one expected).</summary>
    private void Remember(DesiredState plan, Ownership owner, KernelSnapshot before, uint expected)
    {
        try
        {
            var applied = new Applied(plan, owner, expected, before.Links, plan.Rules.ToHashSet(), plan.Routes.ToHashSet());
            if (_io.Generation.Read() == expected && !Contradicted(applied)) _last = applied;
        }
        catch (Interop.KernelCallException)
        {
            // Not remembered: the next apply takes the whole path.
        }
    }

    private bool Contradicted(Applied applied) => _io.Notices.Contradicted(applied.Owner, applied.Rules, applied.Routes, applied.Links);

    /// <summary>The remembered state when the kernel provably still holds it; forgotten otherwise.</summary>
    private Applied? Provable()
    {
        if (_last is not { } last) return null;
        try
        {
            if (_io.Generation.Read() == last.Generation && !Contradicted(last)) return last;
        }
        catch (Interop.KernelCallException)
        {
        }
        _last = null;
        return null;
    }

    /// <summary>The plan's ownership when the kernel provably holds exactly this plan.</summary>
    private Ownership? Holds(DesiredState plan) => _last is { } last && last.Plan == plan && Provable() is { } held ? held.Owner : null;

    /// <summary>The short path (see <see cref="Apply"/>); null when the whole path must run.</summary>
    private ApplyResult? Incremental(DesiredState plan)
    {
        if (_last is not { } last || plan.Rules != last.Plan.Rules || plan.Marks != last.Plan.Marks || plan.Uplinks.Count != last.Plan.Uplinks.Count)
            return null;
        var ranges = Ownership.Unhashed(plan);
        if (!ranges.Tables.Equals(last.Owner.Tables) || !ranges.Priorities.Equals(last.Owner.Priorities)) return null;
        if (NftText.UpdateScript(last.Plan.Nft, plan.Nft) is not { } script || Provable() is null) return null;
        // Sysctls are read before anything is written: a read that fails leaves the kernel to the whole path.
        if (RoutingSteps(last, plan) is not { } routing) return null;
        var (before, steps) = routing;
        _last = null;
        var changes = new List<Change>();
        var generation = last.Generation;
        var remember = true;
        // New connections follow the chains the moment they commit: what the new chains send
        // them to must be in the kernel before, what the old ones sent them to must stay until
        // after. So the routes and sysctls the plan adds (an uplink coming back) go in first, the
        // chains next, the routes it drops (a carrier loss) last; each part is one transaction.
        var early = steps.Where(s => !Dropped(s)).ToList();
        var devices = last.Plan.Routes.Concat(plan.Routes).Select(r => r.Device).Distinct().ToList();
        var late = steps.Where(Dropped).ToList();
        // Refused, the early part is put back and nothing changed: the whole path applies the plan (or says why not).
        if (early.Count > 0 && !Routed(ref before, early, devices)) return null;
        // Refused, the chains changed nothing; what the early part added is part of the plan the whole path applies.
        if (script.Length > 0 && !_io.Nft.Run(script).Ok) return null;
        changes.AddRange(early.Select(s => s.Change));
        // The plan's hash renders the whole table, and only reports what was applied: after the write.
        var owner = Ownership.For(plan);
        if (script.Length > 0)
        {
            var chains = plan.Nft.Chains.Where((c, i) => !c.Rules.SequenceEqual(last.Plan.Nft.Chains[i].Rules)).Select(c => c.Name)
                .Concat(plan.Nft.Sets.Where((x, i) => x != last.Plan.Nft.Sets[i]).Select(x => $"set {x.Name}")).ToList();
            changes.Add(new Change(ChangeAction.Replace, ChangeSubject.Nftables,
                $"{string.Join(", ", chains)} of table {DesiredState.TableFamily} {DesiredState.TableName} ({plan.Uplinks.Count(u => u.Healthy)} of {plan.Uplinks.Count} uplinks balanced; plan {owner.PlanHash})")
            { Parts = chains });
            generation++;
            remember = GenerationIs(generation);
        }
        if (late.Count > 0)
        {
            if (!Routed(ref before, late, devices))
            {
                // The transaction put the routes back; the chains go back too, and the whole
                // path applies the plan from what it reads (or says why not).
                if (script.Length > 0 && NftText.UpdateScript(plan.Nft, last.Plan.Nft) is { } back) _io.Nft.Run(back);
                return null;
            }
            changes.AddRange(late.Select(s => s.Change));
        }
        if (remember)
            _last = last with { Plan = plan, Owner = owner, Generation = generation, Links = Merged(last.Links, before.Links), Routes = plan.Routes.ToHashSet() };
        return new ApplyResult("apply", changes, false) { Owner = owner };
    }

    /// <summary>The interfaces known before, with those just read put over them (by index and by name).</summary>
    private static IReadOnlyDictionary<int, string> Merged(IReadOnlyDictionary<int, string> known, IReadOnlyDictionary<int, string> read)
    {
        if (read.Count == 0) return known;
        var names = read.Values.ToHashSet(StringComparer.Ordinal);
        var merged = known.Where(kv => !read.ContainsKey(kv.Key) && !names.Contains(kv.Value)).ToDictionary();
        foreach (var (index, name) in read) merged[index] = name;
        return merged;
    }

    /// <summary>A route the plan drops: removed only once the chains no longer send connections to it.</summary>
    private static bool Dropped(KernelStep step) => step.Change is { Subject: ChangeSubject.Route, Action: ChangeAction.Remove };

    /// <summary>
    /// Runs routing and sysctl steps as one transaction, with the interfaces their routes and
    /// the rollback's name read just before (kept in <paramref name="before"/>; only those:
    /// see <see cref="RtnetlinkClient.LinksNamed"/>); false when the kernel refused and the
    /// transaction put back what it had done.
    /// </summary>
    private bool Routed(ref KernelSnapshot before, IReadOnlyList<KernelStep> steps, IEnumerable<string> devices)
    {
        try
        {
            before = before with { Links = _io.Rtnetlink.LinksNamed(devices) };
            // A route whose interface is gone (a PPP session ended) went with it: the kernel
            // deletes an interface's routes, and for IPv4 says nothing. Nothing is left to remove.
            var present = before.Links.Values.ToHashSet(StringComparer.Ordinal);
            steps = [.. steps.Where(s => s.RoutingChange is not { Delete: true, Route.Spec: { } gone } || present.Contains(gone.Device))];
            if (steps.Count > 0) new KernelTransaction(_io, before, "apply").Run(steps);
            return true;
        }
        catch (Exception e) when (e is ApplyFailedException or Interop.KernelCallException)
        {
            return false;
        }
    }

    /// <summary>Whether the nftables generation is <paramref name="expected"/> (no other write came between).</summary>
    private bool GenerationIs(uint expected)
    {
        try
        {
            return _io.Generation.Read() == expected;
        }
        catch (Interop.KernelCallException)
        {
            return false;
        }
    }

    /// <summary>
    /// The routes and sysctls that take the kernel from the last plan, which it provably
    /// holds, to <paramref name="plan"/>: a carrier loss plans the uplink's default routes
    /// out, its return plans them (and the uplink's sysctls) back. Routes are written from
    /// that memory; only the sysctls the plan adds or changes are read here (a sysctl the
    /// plan drops is left as it is, as on the whole path), the interfaces just before the
    /// routes are written. Null when a read failed.
    /// </summary>
    private (KernelSnapshot Before, List<KernelStep> Steps)? RoutingSteps(Applied last, DesiredState plan)
    {
        var sysctls = plan.Sysctls.Where(s => !last.Plan.Sysctls.Contains(s)).ToList();
        var routes = last.Plan.Routes.Select(IpRoute.From).ToList();
        if (plan.Routes == last.Plan.Routes && sysctls.Count == 0)
            return (new KernelSnapshot([last.Owner], null, [], routes, new Dictionary<string, string>()), []);
        try
        {
            var values = SysctlReconciler.Read(Runner.Netns, sysctls.Select(s => s.Key));
            // The rollback copy: what the kernel provably holds of what these steps touch.
            var before = new KernelSnapshot([last.Owner], null, [], routes, values);
            var steps = SysctlReconciler.Reconcile(values, sysctls.Select(s => (s.Key, s.Value)))
                .Concat(RouteReconciler.Reconcile(routes, plan.Routes.Select(IpRoute.From))).ToList();
            return (before, steps);
        }
        catch (Interop.KernelCallException)
        {
            return null;
        }
    }
}
