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
        if (_last is not { } last || plan.Rules != last.Plan.Rules || plan.Routes != last.Plan.Routes || plan.Sysctls != last.Plan.Sysctls
            || plan.Marks != last.Plan.Marks || plan.Uplinks.Count != last.Plan.Uplinks.Count)
            return null;
        var owner = Ownership.For(plan);
        if (!owner.Tables.Equals(last.Owner.Tables) || !owner.Priorities.Equals(last.Owner.Priorities)) return null;
        if (NftText.UpdateScript(last.Plan.Nft, plan.Nft) is not { } script || Provable() is null) return null;
        _last = null;
        var changes = new List<Change>();
        var generation = last.Generation;
        if (script.Length > 0)
        {
            // One transaction: refused, it changed nothing, and the whole path applies the plan (or says why not).
            if (!_io.Nft.Run(script).Ok) return null;
            var chains = plan.Nft.Chains.Where((c, i) => !c.Rules.SequenceEqual(last.Plan.Nft.Chains[i].Rules)).Select(c => c.Name)
                .Concat(plan.Nft.Sets.Where((x, i) => x != last.Plan.Nft.Sets[i]).Select(x => $"set {x.Name}"));
            changes.Add(new Change(ChangeAction.Replace, ChangeSubject.Nftables,
                $"{string.Join(", ", chains)} of table {DesiredState.TableFamily} {DesiredState.TableName} ({plan.Uplinks.Count(u => u.Healthy)} of {plan.Uplinks.Count} uplinks balanced; plan {owner.PlanHash})"));
            generation++;
            try
            {
                if (_io.Generation.Read() != generation) return new ApplyResult("apply", changes, false) { Owner = owner };
            }
            catch (Interop.KernelCallException)
            {
                return new ApplyResult("apply", changes, false) { Owner = owner };
            }
        }
        _last = last with { Plan = plan, Owner = owner, Generation = generation };
        return new ApplyResult("apply", changes, false) { Owner = owner };
    }
}
