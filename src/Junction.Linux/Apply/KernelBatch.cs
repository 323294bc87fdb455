using Junction.Linux.Apply.Sysctls;
using Junction.Linux.Netlink;
using Junction.Linux.Processes;

namespace Junction.Linux.Apply;

/// <summary>Which step of a batch failed, and the kernel's words about it.</summary>
internal sealed record BatchFailure(int Index, string Reason);

/// <summary>
/// Sends neighbouring steps of one kind to the kernel together: rules and routes (both
/// families) as rtnetlink requests in one send, every answer checked; sysctls written one
/// after the other from one thread in the namespace. Each request is still one atomic
/// kernel change, but the batch as a whole is not: the kernel carries on past a request it
/// refuses, and so does the sysctl writer. That does not matter for rollback, which re-reads
/// the kernel and puts back the snapshot whatever went in; what the batch must tell is
/// <em>which</em> step failed (the first), with the kernel's own words.
/// </summary>
internal static class KernelBatch
{
    /// <summary>How many steps from <paramref name="start"/> on go together (at least 1).</summary>
    public static int Length(IReadOnlyList<KernelStep> steps, int start)
    {
        var kind = steps[start].Kind;
        if (kind == BatchKind.None) return 1;
        var n = 1;
        while (start + n < steps.Count && steps[start + n].Kind == kind) n++;
        return n;
    }

    /// <summary>Runs a group <see cref="Length"/> chose; null when every step succeeded.</summary>
    /// <param name="links">interface names by index read just before (null: read them when a route needs them).</param>
    public static BatchFailure? Run(KernelIo io, IReadOnlyList<KernelStep> group, IReadOnlyDictionary<int, string>? links = null)
    {
        switch (group[0].Kind)
        {
            case BatchKind.Routing:
                return Routing(io, group, links);
            case BatchKind.Sysctl:
                return SysctlReconciler.Write(io.Runner.Netns, [.. group.Select(s => s.SysctlSetting!.Value)]) is { } failed
                    ? new BatchFailure(failed.Index, failed.Reason)
                    : null;
        }
        try
        {
            group[0].Run(io);
            return null;
        }
        catch (Exception e) when (e is CommandFailedException or Interop.KernelCallException)
        {
            return new BatchFailure(0, KernelTransaction.Reason(e));
        }
    }

    private static BatchFailure? Routing(KernelIo io, IReadOnlyList<KernelStep> group, IReadOnlyDictionary<int, string>? known)
    {
        var requests = group.Select(s => s.RoutingChange!).ToList();
        // Planned routes name their interface; requests carry its index.
        IReadOnlyDictionary<string, int> links = requests.Any(r => r.Route is { Raw: null })
            ? (known ?? io.Rtnetlink.LinkNames()).ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal)
            : new Dictionary<string, int>();
        for (var i = 0; i < requests.Count; i++)
            if (requests[i].Route is { Raw: null, Spec: { } spec } && !links.ContainsKey(spec.Device))
                return new BatchFailure(i, $"no interface named '{spec.Device}'");
        NetlinkAck[] acks;
        try
        {
            acks = io.Rtnetlink.Transact(requests.Count, "change rules and routes", (w, first) =>
            {
                for (var i = 0; i < requests.Count; i++)
                {
                    var r = requests[i];
                    if (r.Rule is { } rule) rule.Write(w, first + (uint)i, r.Delete);
                    else r.Route!.Write(w, first + (uint)i, r.Delete, links);
                }
            });
        }
        catch (Interop.KernelCallException e)
        {
            return new BatchFailure(0, e.Message);
        }
        for (var i = 0; i < acks.Length; i++)
            if (acks[i].Errno != 0)
                return new BatchFailure(i, new NetlinkException("", acks[i].Errno, acks[i].Message).Reason);
        return null;
    }
}
