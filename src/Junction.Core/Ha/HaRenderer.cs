using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Junction.Model;

namespace Junction.Ha;

/// <summary>
/// The keepalived and conntrackd configuration (and keepalived's notify script) that match
/// a Junction file, so the interfaces, virtual addresses and paths are written once. Pure:
/// it refuses, with every reason, anything that cannot be written into those files safely
/// or that would not survive a takeover (an uplink that masquerades with the router's own
/// address, say).
/// <para>
/// One VRRP instance, advertised on the LAN, carries every virtual address: the LAN
/// gateway and each uplink's SNAT addresses (<c>snat.addresses</c>, the same on both
/// routers). Uplinks are not VRRP instances of their own: an ISP segment that fails on both
/// routers would fault such an instance on both, and a sync group would then drop the LAN
/// gateway everywhere. Uplink health reaches VRRP through Junction's health file instead
/// (<c>track_file</c>): each unhealthy uplink costs <see cref="HaRenderOptions.TrackWeight"/>
/// priority, so the router with more working uplinks is master.
/// </para>
/// </summary>
public static partial class HaRenderer
{
    public const string InstanceName = "junction";
    public const string TrackName = "junction_health";

    /// <summary>
    /// Whether <paramref name="error"/> (one of <see cref="Render"/>'s) is about an option rather than
    /// the Junction file: those start with the option's name, so 'junction ha render' can tell a wrong
    /// command line (exit 2) from a file that cannot serve a pair (exit 1).
    /// </summary>
    public static bool NamesAnOption(string error) => error.StartsWith("--", StringComparison.Ordinal);

    public static HaFiles Render(JunctionModel model, HaRenderOptions o, List<string> errors)
    {
        var before = errors.Count;
        if (model.Ha is not { } ha)
        {
            errors.Add("the Junction file has no 'ha:' section: add 'ha:' (both routers use the same file), so Junction drops instead of balancing mid-stream TCP packets the standby has no entry for yet, keeps the health file keepalived tracks, and holds back flushes during a takeover");
            ha = new HaModel(HaModel.DefaultStateDirectory, HaModel.DefaultFlushDelay);
        }
        if (model.Lan.Count == 0)
            errors.Add("the Junction file has no 'lan:' interface: VRRP advertises and carries the clients' gateway address on the LAN; add 'lan: [IFACE]'");
        var lan = model.Lan.Count > 0 ? model.Lan[0] : "";
        foreach (var iface in model.Lan.Take(1).Concat(model.Uplinks.Select(u => u.Interface)))
            if (!SafeName().IsMatch(iface))
                errors.Add($"interface '{iface}' cannot be written into keepalived.conf or conntrackd.conf safely: use letters, digits, '.', '_', '+' and '-'");
        if (!SafeName().IsMatch(o.SyncInterface))
            errors.Add($"--sync-interface '{o.SyncInterface}' cannot be written into keepalived.conf or conntrackd.conf safely: use letters, digits, '.', '_', '+' and '-'");
        if (!SafeName().IsMatch(o.RouterId) || o.RouterId.Length > 32)
            errors.Add($"--router-id '{o.RouterId}': use 1-32 letters, digits, '.', '_', '+' or '-'");
        if (o.Priority is < 1 or > 254) errors.Add($"--priority {o.Priority}: use 1 to 254 (255 is reserved for the address owner)");
        if (o.VirtualRouterId is < 1 or > 255) errors.Add($"--vrid {o.VirtualRouterId}: use 1 to 255, the same on both routers and unique on the LAN");
        if (o.TrackWeight is < 1 or > 254) errors.Add($"--track-weight {o.TrackWeight}: use 1 to 254");
        if (o.AdvertInterval < TimeSpan.FromMilliseconds(10) || o.AdvertInterval > TimeSpan.FromSeconds(40) || o.AdvertInterval.TotalMilliseconds % 10 != 0)
            errors.Add($"--advert {o.AdvertInterval.TotalMilliseconds}ms: use 10ms to 40s in steps of 10ms (VRRPv3 counts centiseconds)");
        if (o.PreemptDelay < TimeSpan.Zero || o.PreemptDelay > TimeSpan.FromSeconds(1000))
            errors.Add($"--preempt-delay {o.PreemptDelay.TotalSeconds}: use 0 to 1000 seconds");
        if (o.SyncPort is < 1 or > 65535) errors.Add($"--sync-port {o.SyncPort}: use 1 to 65535");
        if (!IsV4(o.LanVirtualAddress)) errors.Add($"--lan-vip {o.LanVirtualAddress}: give an IPv4 address (an IPv6 pair needs a second VRRP instance, which render does not write yet)");
        if (o.LanPrefixLength is < 1 or > 32) errors.Add($"--lan-vip prefix /{o.LanPrefixLength}: use /1 to /32");
        if (!IsV4(o.SyncAddress) || !IsV4(o.PeerSyncAddress)) errors.Add($"--sync-address {o.SyncAddress} and --peer {o.PeerSyncAddress}: give IPv4 addresses on the sync link");
        else if (o.SyncAddress.Equals(o.PeerSyncAddress)) errors.Add($"--sync-address and --peer are both {o.SyncAddress}: give this router's and the peer's own addresses");
        if (o.ConntrackdLog is { } log && (!SafePath().IsMatch(log) || log.Split('/').Contains("..")))
            errors.Add($"conntrackd log '{log}': give an absolute path of letters, digits, '.', '_', '-' and '/'");
        if (!SafePath().IsMatch(o.ConfigDirectory) || o.ConfigDirectory.Split('/').Contains(".."))
            errors.Add($"--config-dir '{o.ConfigDirectory}': give an absolute path of letters, digits, '.', '_', '-' and '/'");

        var vips = new List<(IPAddress Address, int Prefix, string Interface, string Why)>();
        if (IsV4(o.LanVirtualAddress)) vips.Add((o.LanVirtualAddress, o.LanPrefixLength, lan, "the clients' gateway"));
        foreach (var u in model.Uplinks)
        {
            switch (u.Snat.Mode)
            {
                case SnatMode.Masquerade:
                    errors.Add($"uplink '{u.Name}' masquerades: its connections would carry this router's own address, which the peer does not have, so none survives a takeover; set 'snat: {{ addresses: [VIRTUAL] }}' to the uplink's virtual address (the same on both routers), or 'snat: none' for a routed uplink");
                    break;
                case SnatMode.Pool:
                    foreach (var a in u.Snat.Pool)
                        if (IsV4(a)) vips.Add((a, 32, u.Interface, $"uplink {u.Name}'s source address"));
                        else errors.Add($"uplink '{u.Name}': SNAT address {a} is IPv6; render writes an IPv4 VRRP instance only, so the address would not move with a takeover");
                    break;
            }
        }
        if (errors.Count > before) return new HaFiles("", "", "");

        var dir = o.ConfigDirectory.TrimEnd('/');
        return new HaFiles(
            Keepalived(ha, o, lan, vips, dir, model.Uplinks.Count),
            Conntrackd(ha, o),
            Notify(ha, o, dir));
    }

    private static string Keepalived(HaModel ha, HaRenderOptions o, string lan,
        IReadOnlyList<(IPAddress Address, int Prefix, string Interface, string Why)> vips, string dir, int uplinks)
    {
        var s = new StringBuilder();
        Header(s, "#", o);
        s.AppendLine("global_defs {")
         .AppendLine(Inv($"    router_id {o.RouterId}"))
         .AppendLine("    vrrp_version 3")
         .AppendLine("    # the notify script runs conntrackd as root; nothing else may write it")
         .AppendLine("    enable_script_security")
         .AppendLine("    script_user root")
         .AppendLine("}")
         .AppendLine()
         .AppendLine("# Junction's daemon writes the number of unhealthy uplinks here ('ha.state-dir' in the Junction file);")
         .AppendLine(Inv($"# each one costs {o.TrackWeight} priority, so the router with more working uplinks is master."))
         .AppendLine("# Until Junction has written it (a reboot empties /run), every uplink counts as unhealthy:")
         .AppendLine("# a router that has just started does not take over before Junction balances there.")
         .AppendLine(Inv($"track_file {TrackName} {{"))
         .AppendLine(Inv($"    file \"{ha.HealthFile}\""))
         .AppendLine(Inv($"    weight -{o.TrackWeight}"))
         .AppendLine(Inv($"    init_file {uplinks}"))
         .AppendLine("}")
         .AppendLine()
         .AppendLine(Inv($"vrrp_instance {InstanceName} {{"))
         .AppendLine("    state BACKUP")
         .AppendLine(Inv($"    interface {lan}"))
         .AppendLine(Inv($"    virtual_router_id {o.VirtualRouterId}"))
         .AppendLine(Inv($"    priority {o.Priority}"))
         .AppendLine(Inv($"    advert_int {o.AdvertInterval.TotalSeconds:0.0#}"));
        if (!o.Preempt) s.AppendLine("    nopreempt");
        else if (o.PreemptDelay > TimeSpan.Zero)
            s.AppendLine(Inv($"    preempt_delay {o.PreemptDelay.TotalSeconds:0.##}"));
        s.AppendLine("    virtual_ipaddress {");
        // Uplink addresses carry no_track: keepalived would otherwise fault the instance when
        // an uplink loses carrier, and an ISP segment down on both routers would leave
        // neither master. Uplink health reaches VRRP through the health file instead.
        foreach (var (address, prefix, iface, why) in vips)
            s.AppendLine(Inv($"        {address}/{prefix} dev {iface}{(iface == lan ? "" : " no_track")}    # {why}"));
        s.AppendLine("    }")
         .AppendLine(Inv($"    track_file {{"))
         .AppendLine(Inv($"        {TrackName}"))
         .AppendLine("    }")
         .AppendLine("    # records the role for Junction, and commits or resyncs conntrackd")
         .AppendLine(Inv($"    notify \"{dir}/{HaFiles.NotifyName}\""))
         .AppendLine("}");
        return s.ToString();
    }

    private static string Conntrackd(HaModel ha, HaRenderOptions o)
    {
        var s = new StringBuilder();
        Header(s, "#", o);
        s.AppendLine("Sync {")
         .AppendLine("    # FTFW: reliable (acknowledged, resent) replication; the backup keeps the")
         .AppendLine("    # peer's entries in an external cache, committed to the kernel on takeover")
         .AppendLine("    Mode FTFW {")
         .AppendLine("        DisableExternalCache Off")
         .AppendLine("        ResendQueueSize 131072")
         .AppendLine("        StartupResync on")
         .AppendLine("    }")
         .AppendLine("    UDP {")
         .AppendLine(Inv($"        IPv4_address {o.SyncAddress}"))
         .AppendLine(Inv($"        IPv4_Destination_Address {o.PeerSyncAddress}"))
         .AppendLine(Inv($"        Port {o.SyncPort}"))
         .AppendLine(Inv($"        Interface {o.SyncInterface}"))
         .AppendLine("        SndSocketBuffer 1249280")
         .AppendLine("        RcvSocketBuffer 1249280")
         .AppendLine("        Checksum on")
         .AppendLine("    }")
         .AppendLine("}")
         .AppendLine()
         .AppendLine("General {")
         .AppendLine("    HashSize 32768")
         .AppendLine("    HashLimit 131072")
         .AppendLine("    Syslog off")
         .AppendLine(o.ConntrackdLog is { } log ? Inv($"    LogFile {log}") : "    LogFile off")
         .AppendLine("    # one conntrackd per router: its lock and control socket live in Junction's HA directory")
         .AppendLine(Inv($"    LockFile {ha.StateDirectory}/conntrackd.lock"))
         .AppendLine(Inv($"    UNIX {{ Path {ha.StateDirectory}/conntrackd.ctl }}"))
         .AppendLine("    NetlinkBufferSize 2097152")
         .AppendLine("    NetlinkBufferSizeMaxGrowth 8388608")
         .AppendLine("    Filter From Userspace {")
         .AppendLine("        Protocol Accept { TCP UDP ICMP }")
         .AppendLine("        # the pair's own talk is not replicated (connection marks and NAT bindings of")
         .AppendLine("        # forwarded connections are: that is what keeps them on their uplink)")
         .AppendLine("        Address Ignore {")
         .AppendLine("            IPv4_address 127.0.0.1")
         .AppendLine(Inv($"            IPv4_address {o.SyncAddress}"))
         .AppendLine(Inv($"            IPv4_address {o.PeerSyncAddress}"))
         .AppendLine("        }")
         .AppendLine("    }")
         .AppendLine("}");
        return s.ToString();
    }

    private static string Notify(HaModel ha, HaRenderOptions o, string dir)
    {
        var s = new StringBuilder();
        s.AppendLine("#!/bin/sh");
        Header(s, "#", o);
        s.AppendLine("# keepalived runs it as: notify.sh INSTANCE|GROUP NAME STATE PRIORITY")
         .AppendLine("# (the commit-on-master steps of conntrackd's own primary-backup.sh).")
         .AppendLine("set -u")
         .AppendLine(Inv($"conf='{dir}/{HaFiles.ConntrackdName}'"))
         .AppendLine(Inv($"role='{ha.RoleFile}'"))
         .AppendLine("state=\"${3:-}\"")
         .AppendLine("case \"$state\" in MASTER|BACKUP|FAULT|STOP) ;; *) exit 0 ;; esac")
         .AppendLine("# For Junction: the role and the keepalived process that reported it ($PPID), written")
         .AppendLine("# atomically; a role whose process is gone is reported as unknown, never trusted.")
         .AppendLine("mkdir -p \"$(dirname \"$role\")\"")
         .AppendLine("printf '%s %s\\n' \"$state\" \"$PPID\" > \"$role.tmp\" && mv -f \"$role.tmp\" \"$role\"")
         .AppendLine("case \"$state\" in")
         .AppendLine("MASTER)")
         .AppendLine("    conntrackd -C \"$conf\" -c    # commit the peer's entries (marks, NAT bindings) to the kernel")
         .AppendLine("    conntrackd -C \"$conf\" -f    # flush the internal and external caches")
         .AppendLine("    conntrackd -C \"$conf\" -R    # resync the internal cache with the kernel table")
         .AppendLine("    conntrackd -C \"$conf\" -B    # send a bulk update to the peer")
         .AppendLine("    ;;")
         .AppendLine("BACKUP)")
         .AppendLine("    conntrackd -C \"$conf\" -t    # shorten the kernel's timers: the old entries go unless traffic returns")
         .AppendLine("    conntrackd -C \"$conf\" -n    # ask the master for a full resync")
         .AppendLine("    ;;")
         .AppendLine("FAULT)")
         .AppendLine("    conntrackd -C \"$conf\" -t")
         .AppendLine("    ;;")
         .AppendLine("esac")
         .AppendLine("exit 0");
        return s.ToString();
    }

    private static void Header(StringBuilder s, string comment, HaRenderOptions o)
    {
        var from = o.Source.Length > 0 ? $" from {Sanitize(o.Source)}" : "";
        s.AppendLine(Inv($"{comment} Generated by 'junction ha render'{from} for router {o.RouterId}; render again rather than edit."));
    }

    /// <summary>A file name in a comment: anything but plain printable characters becomes '?'.</summary>
    private static string Sanitize(string text) => new([.. text.Take(200).Select(c => c is >= ' ' and <= '~' ? c : '?')]);

    private static bool IsV4(IPAddress a) => a.AddressFamily == AddressFamily.InterNetwork;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$")]
    private static partial Regex SafeName();

    [GeneratedRegex("^/[A-Za-z0-9._/-]*$")]
    private static partial Regex SafePath();
}
