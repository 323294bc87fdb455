using Junction.Model;

namespace Junction.Linux.Probes;

/// <summary>
/// What makes a probe leave through its own uplink: SO_BINDTODEVICE to the interface and
/// SO_MARK with the uplink's mark. The mark selects the uplink's routing table through its
/// <c>ip rule</c> (present whether the uplink is healthy or not) and exempts the probe
/// from balancing, so a dead link cannot be hidden by another one.
/// </summary>
public sealed record ProbeBinding(string Interface, uint Mark)
{
    public static ProbeBinding For(JunctionModel model, UplinkModel uplink) =>
        new(uplink.Interface, model.Marks.Value(uplink.Id));
}
