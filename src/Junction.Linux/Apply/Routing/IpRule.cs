using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using Junction.Linux.Interop;
using Junction.Linux.Netlink;
using Junction.Model;
using Junction.Planning;

namespace Junction.Linux.Apply.Routing;

/// <summary>
/// One ip rule, planned or read from the kernel. A rule Junction could have written (a
/// mark or suppress_prefixlength lookup and nothing else) carries its <see cref="RuleSpec"/>,
/// the record <c>junction plan</c> prints: planned rules and the kernel's are compared as
/// those records, and the kernel's request is written from it and read back into it here,
/// in one place. Any other rule in Junction's range is known by its canonical spelling
/// (<see cref="Selector"/>, what follows <c>priority N</c> in <c>ip rule</c>) and is
/// written back, when a rollback must, as the very message the kernel listed it with
/// (<see cref="Raw"/>).
/// </summary>
internal sealed record IpRule(Families Family, int Priority, string Selector)
{
    public RuleSpec? Spec { get; init; }

    /// <summary>fib_rule_hdr and attributes as the kernel dumped them.</summary>
    public byte[]? Raw { get; init; }

    public bool Equals(IpRule? other) =>
        other is not null && (Spec is not null && other.Spec is not null
            ? Spec == other.Spec
            : Family == other.Family && Priority == other.Priority && Selector == other.Selector);

    public override int GetHashCode() => HashCode.Combine(Family, Priority, Selector);

    public string Arguments => $"priority {Priority} {Selector}";

    public KernelStep Add() => Step(ChangeAction.Add, "add", delete: false);

    public KernelStep Delete() => Step(ChangeAction.Remove, "del", delete: true);

    private KernelStep Step(ChangeAction action, string verb, bool delete) =>
        KernelStep.Routing(new Change(action, ChangeSubject.Rule, $"{(Family == Families.IPv6 ? "ip -6" : "ip")} rule {verb} {Arguments}"),
            new RoutingRequest(this, null, delete));

    /// <summary>RTM_NEWRULE (refusing a duplicate, as 'ip rule add') or RTM_DELRULE.</summary>
    public void Write(NetlinkMessageWriter w, uint sequence, bool delete)
    {
        w.Begin(delete ? Rtnetlink.DelRule : Rtnetlink.NewRule,
            (ushort)(NetlinkAbi.Request | NetlinkAbi.Ack | (delete ? 0 : NetlinkAbi.Create | NetlinkAbi.Excl)), sequence);
        if (Raw is not null)
            Raw.CopyTo(w.Fixed(Raw.Length));
        else if (Spec is { } s)
        {
            var header = w.Fixed(Rtnetlink.FibRuleHdrLength);
            header[0] = Family == Families.IPv6 ? Libc.AfInet6 : Libc.AfInet;
            header[4] = s.Table < 256 ? (byte)s.Table : Rtnetlink.RtTableUnspec;
            header[7] = Rtnetlink.FrActToTbl;
            w.U32(Rtnetlink.FraPriority, (uint)s.Priority);
            if (s.FwMark is { } mark)
            {
                w.U32(Rtnetlink.FraFwmark, mark);
                w.U32(Rtnetlink.FraFwmask, s.Mask ?? uint.MaxValue);
            }
            w.U32(Rtnetlink.FraTable, s.Table);
            if (s.SuppressPrefixLength is { } p) w.U32(Rtnetlink.FraSuppressPrefixlen, (uint)p);
        }
        else throw new InvalidOperationException($"rule '{Arguments}' has neither a plan nor a kernel listing to write");
        w.End();
    }

    public static IpRule From(RuleSpec spec) =>
        new(spec.Family, spec.Priority, Canonical(null, null, null, null, spec.FwMark, spec.Mask, spec.Table, spec.SuppressPrefixLength, []))
        {
            Spec = spec,
        };

    /// <summary>
    /// A rule from an RTM_NEWRULE message of a dump. Attributes Junction never writes are
    /// spelled out, so such a rule never equals a planned one.
    /// </summary>
    public static IpRule? From(ReadOnlySpan<byte> body)
    {
        if (body.Length < Rtnetlink.FibRuleHdrLength) return null;
        var family = body[0] == Libc.AfInet6 ? Families.IPv6 : Families.IPv4;
        var (dstLen, srcLen, tos, headerTable, action) = (body[1], body[2], body[3], body[4], body[7]);
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(body[8..]);
        string? from = null, to = null, iif = null, oif = null;
        uint? fwmark = null, table = headerTable == Rtnetlink.RtTableUnspec ? null : headerTable;
        var mask = uint.MaxValue;
        int? suppress = null;
        var priority = 0;
        var extra = new List<string>();
        if ((flags & Rtnetlink.FibRuleInvert) != 0) extra.Add("not");
        if (tos != 0) extra.Add($"tos 0x{tos:x2}");
        foreach (var a in new NetlinkAttributes(body[Rtnetlink.FibRuleHdrLength..]))
        {
            var v = a.Value;
            switch (a.Type)
            {
                case Rtnetlink.FraPriority when v.Length >= 4: priority = (int)BinaryPrimitives.ReadUInt32LittleEndian(v); break;
                case Rtnetlink.FraSrc: from = Prefix(v, srcLen); break;
                case Rtnetlink.FraDst: to = Prefix(v, dstLen); break;
                case Rtnetlink.FraIifname: iif = NetlinkAttributes.CString(v); break;
                case Rtnetlink.FraOifname: oif = NetlinkAttributes.CString(v); break;
                case Rtnetlink.FraFwmark when v.Length >= 4: fwmark = BinaryPrimitives.ReadUInt32LittleEndian(v); break;
                case Rtnetlink.FraFwmask when v.Length >= 4: mask = BinaryPrimitives.ReadUInt32LittleEndian(v); break;
                case Rtnetlink.FraTable when v.Length >= 4: table = BinaryPrimitives.ReadUInt32LittleEndian(v); break;
                // -1 is 'not set' (older kernels list it anyway).
                case Rtnetlink.FraSuppressPrefixlen when v.Length >= 4:
                    suppress = BinaryPrimitives.ReadInt32LittleEndian(v) is var p && p >= 0 ? p : null;
                    break;
                case Rtnetlink.FraSuppressIfgroup when v.Length >= 4:
                    if (BinaryPrimitives.ReadInt32LittleEndian(v) is var g && g >= 0) extra.Add($"suppress_ifgroup {g}");
                    break;
                case Rtnetlink.FraGoto when v.Length >= 4: extra.Add($"goto {BinaryPrimitives.ReadUInt32LittleEndian(v)}"); break;
                case Rtnetlink.FraPad: break;
                // 'ip rule add' writes no protocol; the kernel's own rules say 'kernel'.
                case Rtnetlink.FraProtocol when v.Length >= 1 && v[0] is Rtnetlink.RtprotUnspec or Rtnetlink.RtprotKernel: break;
                default: extra.Add($"attribute-{a.Type} 0x{Convert.ToHexStringLower(v)}"); break;
            }
        }
        if (table == Rtnetlink.RtTableUnspec) table = null;
        if (action is not (Rtnetlink.FrActToTbl or Rtnetlink.FrActGoto)) extra.Add(ActionName(action));
        if (fwmark is null && mask != uint.MaxValue) fwmark = 0;
        var plain = from is null && to is null && iif is null && oif is null && extra.Count == 0 && action == Rtnetlink.FrActToTbl && table is not null;
        return new IpRule(family, priority, Canonical(from, to, iif, oif, fwmark, fwmark is null ? null : mask, table, suppress, extra))
        {
            Raw = body.ToArray(),
            Spec = plain ? new RuleSpec(family, priority, table!.Value, fwmark, fwmark is null ? null : mask, suppress) : null,
        };
    }

    private static string Prefix(ReadOnlySpan<byte> address, byte length) =>
        address.Length is 4 or 16 ? $"{new IPAddress(address)}/{length}" : $"0x{Convert.ToHexStringLower(address)}/{length}";

    private static string ActionName(byte action) => action switch
    {
        Rtnetlink.FrActNop => "nop",
        Rtnetlink.FrActBlackhole => "blackhole",
        Rtnetlink.FrActUnreachable => "unreachable",
        Rtnetlink.FrActProhibit => "prohibit",
        _ => $"action {action}",
    };

    private static string Canonical(string? from, string? to, string? iif, string? oif, uint? fwmark, uint? mask, uint? table, int? suppress, List<string> extra)
    {
        var s = new StringBuilder();
        if (extra.Remove("not")) s.Append("not ");
        s.Append("from ").Append(from ?? "all");
        if (to is not null) s.Append(" to ").Append(to);
        if (iif is not null) s.Append(" iif ").Append(iif);
        if (oif is not null) s.Append(" oif ").Append(oif);
        if (fwmark is { } m) s.Append(CultureInfo.InvariantCulture, $" fwmark 0x{m:x}/0x{mask:x}");
        if (table is { } t) s.Append(CultureInfo.InvariantCulture, $" lookup {t}");
        if (suppress is { } p) s.Append(CultureInfo.InvariantCulture, $" suppress_prefixlength {p}");
        foreach (var e in extra) s.Append(' ').Append(e);
        return s.ToString();
    }
}
