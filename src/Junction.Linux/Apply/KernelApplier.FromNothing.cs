using Junction.Linux.Apply.Nftables;
using Junction.Planning;

namespace Junction.Linux.Apply;

/// <summary>
/// The whole path's start (see <see cref="Apply"/>) when the namespace holds no Junction
/// table: the table's transaction, the longest step, runs beside the rest of the read.
/// </summary>
public sealed partial class KernelApplier
{
    /// <summary>The first <see cref="Done"/> steps already ran, as one batch, with <see cref="Failure"/> as their outcome.</summary>
    private sealed record Ahead(int Done, BatchFailure? Failure)
    {
        public static (KernelSnapshot, List<KernelStep>, Ownership, Ahead) Nothing((KernelSnapshot Before, List<KernelStep> Steps, Ownership Owner) p) =>
            (p.Before, p.Steps, p.Owner, new Ahead(0, null));
    }

    /// <summary>
    /// Reads the kernel and returns what <see cref="Prepare"/> does. When no Junction table is
    /// installed, its first step (the table, created with the plan's record) runs on this
    /// thread while the rules, routes, links and sysctls are read on one beside it (the
    /// transaction is the longer of the two, so the beside thread's wake-up, up to a few ms
    /// on an idle machine, delays only the read):
    /// with no table there is no older record, so nothing outside the plan's ranges is in
    /// scope and the record cannot need widening; the table step depends on nothing else the
    /// read finds. The order of the kernel's changes stays the documented one: the
    /// transaction has committed before any sysctl, route or rule is written. Should the read
    /// fail, the table that went in beside it is taken out again, so the failure changed nothing.
    /// </summary>
    private (KernelSnapshot Before, List<KernelStep> Steps, Ownership Owner, Ahead Ahead) Begin(DesiredState plan)
    {
        var owner = Ownership.For(plan);
        var keys = plan.Sysctls.Select(s => s.Key).ToList();
        var table = Read("apply", () => InstalledTable.Read(_io.Nft));
        if (table is not null)
        {
            var read = Read("apply", () => KernelSnapshot.Take(_io, owner, keys, table));
            return (read, Steps(plan, owner, read), owner, new Ahead(0, null));
        }

        var first = TableStep(plan, owner, owner, fresh: true);
        var reading = _io.Side.Start(() => Read("apply", () => KernelSnapshot.Take(_io, owner, keys, null)));
        BatchFailure? failure;
        try
        {
            failure = KernelBatch.Run(_io, [first]);
        }
        catch
        {
            // The read must be over before the sockets it uses serve anyone else.
            reading.Settle();
            throw;
        }
        KernelSnapshot before;
        try
        {
            before = reading.Join();
        }
        catch (Exception e)
        {
            if (failure is null) Undo(first, e);
            throw;
        }
        var steps = Steps(plan, owner, before);
        if (steps.Count == 0 || steps[0].NftScript != first.NftScript)
            throw new InvalidOperationException("the table written beside the read is not the plan's first step");
        return (before, steps, owner, new Ahead(1, failure));
    }

    /// <summary>Takes out the table a failed read went beside; throws when that fails too.</summary>
    private void Undo(KernelStep table, Exception read)
    {
        try
        {
            KernelStep.Nftables(new Change(ChangeAction.Remove, ChangeSubject.Nftables, "the table written beside the read"), InstalledTable.Reset).Run(_io);
        }
        catch (Interop.KernelCallException e)
        {
            var reason = read is ApplyFailedException a ? a.Reason : read.Message;
            throw new ApplyFailedException("apply", table.Change, reason, [$"could not remove the table again: {KernelTransaction.Reason(e)}"]);
        }
    }
}
