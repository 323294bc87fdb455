using Junction.Linux.Apply;
using Junction.Model;

namespace Junction.Cli.Daemon;

/// <summary>
/// Uplinks whose default route the kernel refused because the gateway is not reachable on
/// the uplink's interface (IPv4: "Nexthop has invalid gateway", IPv6: "No route to host"):
/// a gateway outside the interface's networks passes validation, which cannot know them.
/// Such an uplink is planned out exactly like one whose interface is down (its routes and
/// rp_filter left out, no new connections), so one bad gateway does not fail every apply
/// and the other uplinks keep balancing. The kernel's own answer is the test, not a copy
/// of its rules; a refusal is forgotten when the uplink's link changes, on reload, and
/// after <see cref="DaemonSetup.GatewayRetry"/>, so a fixed address or route is noticed.
/// </summary>
internal sealed class RefusedGateways
{
    private readonly Dictionary<string, (string Reason, DateTimeOffset At)> _refused = [];

    public bool Contains(string uplink) => _refused.ContainsKey(uplink);

    /// <summary>Why the uplink is planned out; null when it is not.</summary>
    public string? Reason(string uplink) => _refused.TryGetValue(uplink, out var r) ? r.Reason : null;

    /// <summary>These uplinks and the refused ones.</summary>
    public IReadOnlySet<string> With(IReadOnlySet<string> unroutable) =>
        _refused.Count == 0 ? unroutable : unroutable.Concat(_refused.Keys).ToHashSet();

    public void Add(string uplink, string reason, DateTimeOffset at) => _refused[uplink] = (reason, at);

    public void Forget(string uplink) => _refused.Remove(uplink);

    public void Clear() => _refused.Clear();

    /// <summary>Forgets refusals made at or before <paramref name="before"/>.</summary>
    public void Expire(DateTimeOffset before)
    {
        if (_refused.Count == 0) return;
        foreach (var (name, r) in _refused.ToList())
            if (r.At <= before) _refused.Remove(name);
    }

    /// <summary>When the oldest refusal is forgotten (it is <paramref name="retry"/> old then); null: none is held.</summary>
    public DateTimeOffset? NextExpiry(TimeSpan retry)
    {
        DateTimeOffset? next = null;
        foreach (var r in _refused.Values)
            if (next is null || r.At + retry < next) next = r.At + retry;
        return next;
    }

    /// <summary>The uplink and why, when the apply failed on a route the kernel refused for its gateway; null for any other failure.</summary>
    public static (string Uplink, string Reason)? Refused(ApplyFailedException e, JunctionModel model)
    {
        if (e.Failed is not { Subject: ChangeSubject.Route, RouteTable: { } table }) return null;
        if (!GatewayWords.Any(w => e.Reason.Contains(w, StringComparison.OrdinalIgnoreCase))) return null;
        if (model.Uplinks.FirstOrDefault(u => model.Marks.Table(u.Id) == table) is not { } uplink) return null;
        var gateways = string.Join(" and ", new[] { uplink.Gateway4, uplink.Gateway6 }.OfType<System.Net.IPAddress>());
        return (uplink.Name, $"the kernel refused its default route: gateway {gateways} is not reachable on {uplink.Interface} ({e.Reason.TrimEnd('.')}); check the gateway against the interface's address and prefix");
    }

    private static readonly string[] GatewayWords = ["Nexthop has invalid gateway", "No route to host", "Network is unreachable"];
}
