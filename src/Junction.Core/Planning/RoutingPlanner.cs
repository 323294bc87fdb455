using Junction.Model;

namespace Junction.Planning;

/// <summary>The ip rules, the routes of the uplinks' tables and the sysctls a plan asks for.</summary>
internal static class RoutingPlanner
{
    public static ValueList<RuleSpec> Rules(JunctionModel model)
    {
        var m = model.Marks;
        var rules = new List<RuleSpec>();
        foreach (var family in new[] { Families.IPv4, Families.IPv6 })
        {
            if (!model.Families.HasFlag(family)) continue;
            // Specific routes of the main table (connected networks, VPN peers, the LAN)
            // win over the uplink tables, so marked traffic never leaks out of a WAN.
            // For IPv4, /1 routes count as defaults: OpenVPN's def1 installs 0/1 and 128/1.
            rules.Add(new RuleSpec(family, m.MainPriority, MarkLayout.MainTable, null, null, family == Families.IPv4 ? 1 : 0));
            foreach (var u in model.Uplinks.Where(u => u.Families.HasFlag(family)))
                rules.Add(new RuleSpec(family, m.Priority(u.Id), m.Table(u.Id), m.Value(u.Id), m.Mask, null));
        }
        return rules.ToValueList();
    }

    public static ValueList<RouteSpec> Routes(JunctionModel model, IReadOnlySet<string> unroutable)
    {
        var routes = new List<RouteSpec>();
        foreach (var u in model.Uplinks.Where(u => !unroutable.Contains(u.Name)))
        {
            var table = model.Marks.Table(u.Id);
            if (u.Families.HasFlag(Families.IPv4))
                routes.Add(new RouteSpec(Families.IPv4, table, "default", u.Gateway4, u.Interface));
            if (u.Families.HasFlag(Families.IPv6))
                routes.Add(new RouteSpec(Families.IPv6, table, "default", u.Gateway6, u.Interface));
        }
        return routes.ToValueList();
    }

    public static ValueList<SysctlSpec> Sysctls(JunctionModel model, IReadOnlySet<string> unroutable)
    {
        var list = new List<SysctlSpec>();
        if (model.Lan.Count > 0)
        {
            list.Add(new SysctlSpec("net.ipv4.ip_forward", "1", "forward the LAN's connections"));
            if (model.Families.HasFlag(Families.IPv6))
                list.Add(new SysctlSpec("net.ipv6.conf.all.forwarding", "1", "forward the LAN's IPv6 connections"));
        }
        foreach (var u in model.Uplinks.Where(u => u.Families.HasFlag(Families.IPv4) && !unroutable.Contains(u.Name)))
            list.Add(new SysctlSpec($"net.ipv4.conf.{SysctlSpec.Interface(u.Interface)}.rp_filter", "2",
                "loose reverse-path filter: replies arrive on an uplink that is not the main table's default"));
        // With forwarding on, the kernel ignores Router Advertisements on interfaces whose
        // accept_ra is 1: an uplink that learns its IPv6 route by RA would lose it.
        if (model.Lan.Count > 0)
            foreach (var u in model.Uplinks.Where(u => u.Families.HasFlag(Families.IPv6) && !unroutable.Contains(u.Name)))
                list.Add(new SysctlSpec($"net.ipv6.conf.{SysctlSpec.Interface(u.Interface)}.accept_ra", "2",
                    "keep accepting Router Advertisements on this uplink while forwarding is on"));
        return list.ToValueList();
    }
}
