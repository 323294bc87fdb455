using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Junction.Model;

namespace Junction.Configuration;

/// <summary>
/// Checks every value of a <see cref="JunctionConfig"/> and builds the immutable
/// <see cref="JunctionModel"/>. All errors are collected in one pass; the model is
/// returned only when there are none.
/// </summary>
public static partial class ConfigValidator
{
    public const uint DefaultMarkMask = 0x00ff0000;
    public const uint DefaultTableBase = 1000;
    public const int DefaultRulePriority = 1000;

    [GeneratedRegex("^[a-z0-9-]{1,15}$")]
    private static partial Regex UplinkName();

    public static JunctionModel? Validate(JunctionConfig config, List<ConfigError> errors)
    {
        var before = errors.Count;
        var v = new Context(config.File, errors);

        var lan = new List<string>();
        var lanSet = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in config.Lan)
            if (v.Interface(item, "lan") is { } name)
            {
                if (!lanSet.Add(name)) v.Error(item, "lan", $"interface '{name}' is listed twice", "list each interface once");
                else lan.Add(name);
            }

        var local = true;
        if (config.Local is { } localValue)
        {
            if (localValue.Value is "true" or "yes" or "on") local = true;
            else if (localValue.Value is "false" or "no" or "off") local = false;
            else v.Error(localValue, "local", $"'{localValue.Value}' is not true or false", "write 'local: true' or 'local: false'");
        }

        var balance = BalanceMode.RoundRobin;
        if (config.Balance is { } b)
            balance = v.Word(b, "balance", Vocabulary.Balance) ?? BalanceMode.RoundRobin;

        var mask = DefaultMarkMask;
        if (config.MarkMask is { } m)
            mask = MarkMask(v, m) ?? DefaultMarkMask;

        var tableBase = DefaultTableBase;
        if (config.TableBase is { } tb && v.Integer(tb, "table-base", 1, 2_000_000_000, "a routing table id") is { } t)
            tableBase = (uint)t;

        var rulePriority = DefaultRulePriority;
        if (config.RulePriority is { } rp && v.Integer(rp, "rule-priority", 1, 32765, "an ip rule priority below the main table's 32766") is { } p)
            rulePriority = (int)p;

        var layout = new MarkLayout(mask, tableBase, rulePriority);

        var bypass = config.Bypass.Select(x => v.Network(x, "bypass")).OfType<IPNetwork>().ToList();

        var flush = FlushPolicy.Dead;
        if (config.Flush is { } fl)
            flush = v.Word(fl, "flush", Vocabulary.Flush) ?? FlushPolicy.Dead;

        var uplinks = ValidateUplinks(config, v, lanSet, layout);
        var pins = config.Pins.Select((pin, i) => ValidatePin(pin, i, v, uplinks)).OfType<PinModel>().ToList();

        var metrics = config.Metrics is { } mc ? MetricsListen(mc, v) : null;
        var (failback, hold) = TierValidator.Failback(config, v);

        var ha = config.Ha is { } hc ? HaValidator.Validate(hc, v) : null;

        return errors.Count > before ? null : new JunctionModel(lan, local, balance, layout, bypass, uplinks, pins)
        {
            MetricsListen = metrics, Flush = flush, Failback = failback, FailbackHold = hold, Ha = ha,
            Passive = PassiveValidator.Validate(config.Passive, v),
        };
    }

    private static IPEndPoint? MetricsListen(MetricsConfig metrics, Context v)
    {
        if (metrics.Listen is not { } listen)
        {
            v.Error(metrics.Position, "metrics", "has no 'listen'", "add 'listen: 127.0.0.1:9419', or remove 'metrics:' to keep the listener off");
            return null;
        }
        // An address literal and a port: a host name would make the bind depend on DNS at start.
        if (IPEndPoint.TryParse(listen.Value, out var endpoint) && endpoint.Port is >= 1 and <= 65535
            && (listen.Value.StartsWith('[') || endpoint.AddressFamily == AddressFamily.InterNetwork && listen.Value.Count(c => c == '.') == 3 && listen.Value.Contains(':')))
            return endpoint;
        v.Error(listen, "metrics.listen", $"'{listen.Value}' is not ADDRESS:PORT",
            "write e.g. 127.0.0.1:9419, or [::1]:9419 for IPv6 (an address, not a host name; port 1-65535)");
        return null;
    }

    private static uint? MarkMask(Context v, Sourced<string> m)
    {
        var fix = "give a hex mask of contiguous bits such as 0x00ff0000";
        if (!TryParseUInt(m.Value, out var mask) || mask == 0)
        {
            v.Error(m, "mark-mask", $"'{m.Value}' is not a non-zero 32-bit number", fix);
            return null;
        }
        var shifted = mask >> System.Numerics.BitOperations.TrailingZeroCount(mask);
        if ((shifted & (shifted + 1)) != 0)
        {
            v.Error(m, "mark-mask", $"0x{mask:x8} has gaps between its bits", fix);
            return null;
        }
        return mask;
    }

    private static List<UplinkModel> ValidateUplinks(JunctionConfig config, Context v, HashSet<string> lan, MarkLayout layout)
    {
        var result = new List<UplinkModel>();
        if (config.Uplinks.Count == 0)
        {
            v.Error(config.UplinksPosition, "uplinks", "no uplinks are configured",
                "add an 'uplinks:' list with at least one '- name: ... interface: ...' entry");
            return result;
        }

        var names = new Dictionary<string, SourcePosition>();
        var interfaces = new Dictionary<string, string>();
        var ids = new Dictionary<int, string>();
        for (var i = 0; i < config.Uplinks.Count; i++)
        {
            var u = config.Uplinks[i];
            var entity = u.Name is null ? $"uplinks[{i}]" : $"uplink '{u.Name.Value}'";
            string? name = null;
            if (u.Name is null)
                v.Error(u.Position, entity, "has no name", "add 'name: isp1' (lower-case letters, digits and '-', at most 15)");
            else if (!UplinkName().IsMatch(u.Name.Value))
                v.Error(u.Name, entity, $"name '{u.Name.Value}' is not 1-15 of a-z, 0-9 and '-'", "rename it, e.g. 'isp1'");
            else if (names.TryGetValue(u.Name.Value, out var first))
                v.Error(u.Name, entity, $"the name is already used by the uplink at line {first.Line}", "give each uplink its own name");
            else
            {
                name = u.Name.Value;
                names[name] = u.Name.Position;
            }

            string? iface = null;
            if (u.Interface is null)
                v.Error(u.Position, entity, "has no interface", "add 'interface: eth1' (the device the uplink leaves through)");
            else if (v.Interface(u.Interface, $"{entity}.interface") is { } dev)
            {
                if (lan.Contains(dev))
                    v.Error(u.Interface, $"{entity}.interface", $"'{dev}' is also listed under 'lan'", "an interface is either a LAN or an uplink, not both");
                else if (interfaces.TryGetValue(dev, out var other))
                    v.Error(u.Interface, $"{entity}.interface", $"'{dev}' is already the interface of uplink '{other}'", "give each uplink its own interface");
                else
                {
                    iface = dev;
                    interfaces[dev] = name ?? entity;
                }
            }

            var gw4 = (IPAddress?)null;
            var gw6 = (IPAddress?)null;
            if (u.Gateway is { } g && v.Address(g, $"{entity}.gateway") is { } ga)
            {
                if (ga.AddressFamily == AddressFamily.InterNetwork) gw4 = ga; else gw6 = ga;
            }
            if (u.Gateway6 is { } g6 && v.Address(g6, $"{entity}.gateway6") is { } ga6)
            {
                if (ga6.AddressFamily != AddressFamily.InterNetworkV6)
                    v.Error(g6, $"{entity}.gateway6", $"'{g6.Value}' is not an IPv6 address", "put the IPv4 gateway under 'gateway:'");
                else if (gw6 is not null)
                    v.Error(g6, $"{entity}.gateway6", "an IPv6 gateway is already given under 'gateway:'", "give one IPv4 'gateway' and one 'gateway6'");
                else gw6 = ga6;
            }

            var families = (gw4 is null ? Families.None : Families.IPv4) | (gw6 is null ? Families.None : Families.IPv6);
            if (families == Families.None) families = Families.IPv4;
            if (u.Family is { } fam)
            {
                var declared = v.Word(fam, $"{entity}.family", Vocabulary.Family) ?? Families.IPv4;
                if (gw4 is not null && !declared.HasFlag(Families.IPv4) || gw6 is not null && !declared.HasFlag(Families.IPv6))
                    v.Error(fam, $"{entity}.family", $"'{fam.Value}' does not include the family of the gateway given", "set 'family: dual' or remove the other gateway");
                else if (gw4 is null && gw6 is not null && declared.HasFlag(Families.IPv4) || gw6 is null && gw4 is not null && declared.HasFlag(Families.IPv6))
                    v.Error(fam, $"{entity}.family", $"'{fam.Value}' needs a gateway for each family, or none (a point-to-point link)", "add the missing 'gateway'/'gateway6', or remove both for a tunnel");
                families = declared;
            }

            var weight = 1;
            if (u.Weight is { } w && v.Integer(w, $"{entity}.weight", 1, 1000, "a weight") is { } wv)
                weight = (int)wv;

            var id = i + 1;
            if (u.Id is { } idText)
            {
                if (v.Integer(idText, $"{entity}.id", 1, layout.MaxId, $"an uplink id that fits mark-mask 0x{layout.Mask:x8}") is { } iv)
                    id = (int)iv;
            }
            else if (id > layout.MaxId)
                v.Error(u.Position, entity, $"is uplink number {id} but mark-mask 0x{layout.Mask:x8} holds only {layout.MaxId}",
                    layout.MaxId >= MarkLayout.IdLimit || id > MarkLayout.IdLimit
                        ? $"Junction balances at most {MarkLayout.IdLimit} uplinks, whatever the mask; remove uplinks"
                        : $"widen 'mark-mask' (more contiguous bits), e.g. 0x{WiderMask(layout.Mask, id):x8}");
            if (ids.TryGetValue(id, out var owner))
                v.Error(u.Id?.Position ?? u.Position, entity,
                    $"would share mark {layout.Hex(layout.Value(id))} and routing table {layout.Table(id)} with uplink '{owner}'",
                    "give each uplink a distinct 'id:' (ids default to the uplink's position in the list)");
            else ids[id] = name ?? entity;

            var snat = ValidateSnat(u.Snat, entity, families, v);
            var probe = ProbeValidator.Validate(u.Probe, entity, families, gw4, gw6, v);
            var tier = TierValidator.Tier(u.Tier, entity, v);
            if (name is not null && iface is not null && snat is not null && probe is not null)
                result.Add(new UplinkModel(name, iface, gw4, gw6, families, weight, id, snat, probe) { Tier = tier });
        }

        if (ids.Count > 0) OwnedRanges(config, v, layout, ids.Keys.Min(), ids.Keys.Max());
        return result;
    }

    /// <summary>
    /// Junction owns the routing tables from its lowest uplink id's to its highest's, and the
    /// rule priorities from rule-priority (its main-table rule) to the highest uplink's rule;
    /// an apply deletes whatever else it finds there (Ownership in Junction.Linux). Neither
    /// range may meet what the kernel itself uses, or an apply would wipe the host's routes.
    /// </summary>
    private static void OwnedRanges(JunctionConfig config, Context v, MarkLayout layout, int lowId, int highId)
    {
        long firstTable = layout.TableBase + (long)lowId - 1, lastTable = layout.TableBase + (long)highId - 1;
        var at = config.TableBase?.Position ?? config.UplinksPosition;
        var system = new (long Table, string Name)[] { (253, "default"), (254, "main"), (255, "local") }
            .Where(t => t.Table >= firstTable && t.Table <= lastTable).ToList();
        if (system.Count > 0)
            v.Error(at, "table-base",
                $"Junction would own routing tables {firstTable}-{lastTable} (table-base + uplink id - 1, for ids {lowId}-{highId}), which include reserved tables of the kernel: {string.Join(", ", system.Select(t => $"{t.Name} ({t.Table})"))}; an apply would delete the host's routes there",
                "use a table-base whose tables stay clear of 253-255, e.g. 'table-base: 1000'");
        else if (lastTable > int.MaxValue)
            v.Error(at, "table-base", $"Junction would own routing tables up to {lastTable}, past {int.MaxValue}", "use a smaller 'table-base', e.g. 1000");

        var lastPriority = (long)layout.RulePriority + highId;
        if (lastPriority >= 32766)
            v.Error(config.RulePriority?.Position ?? config.UplinksPosition, "rule-priority",
                $"Junction would own rule priorities {layout.RulePriority}-{lastPriority} (rule-priority + uplink ids up to {highId}), which meet the kernel's rule for the main table at 32766 (and 32767, default)",
                $"use a 'rule-priority' from 1 to {32765 - highId}, e.g. 1000");
    }

    private static SnatModel? ValidateSnat(SnatConfig? snat, string entity, Families families, Context v)
    {
        if (snat is null) return SnatModel.Masquerade;
        var where = $"{entity}.snat";
        if (snat.Mode is { } mode)
            return v.Word(mode, where, Vocabulary.Snat, "or a mapping with 'addresses:'") switch
            {
                SnatMode.Masquerade => SnatModel.Masquerade,
                SnatMode.None => SnatModel.None,
                _ => null,
            };

        if (snat.Addresses.Count == 0)
        {
            v.Error(snat.Position, where, "the pool has no addresses", "add 'addresses: [192.0.2.10, 192.0.2.11]'");
            return null;
        }
        var ok = true;
        var pool = new List<IPAddress>();
        // A set for the duplicate check: a list's Contains made a 100,000-address pool quadratic.
        var seen = new HashSet<IPAddress>();
        foreach (var a in snat.Addresses)
        {
            if (v.Address(a, $"{where}.addresses") is not { } address) { ok = false; continue; }
            var family = address.AddressFamily == AddressFamily.InterNetwork ? Families.IPv4 : Families.IPv6;
            if (!families.HasFlag(family))
            {
                v.Error(a, $"{where}.addresses", $"{address} is {(family == Families.IPv4 ? "IPv4" : "IPv6")} but the uplink carries only {(families == Families.IPv4 ? "IPv4" : "IPv6")}",
                    "use addresses of the uplink's family, or add a gateway of this family ('gateway'/'gateway6') or 'family: dual'");
                ok = false;
            }
            else if (!seen.Add(address))
            {
                v.Error(a, $"{where}.addresses", $"{address} is listed twice", "list each address once");
                ok = false;
            }
            else pool.Add(address);
        }

        var spread = PoolSpread.RoundRobin;
        if (snat.Spread is { } s)
            spread = v.Word(s, $"{where}.spread", Vocabulary.Spread) ?? PoolSpread.RoundRobin;
        return ok ? new SnatModel(SnatMode.Pool, pool, spread) : null;
    }

    private static PinModel? ValidatePin(PinConfig pin, int index, Context v, List<UplinkModel> uplinks)
    {
        var entity = $"pin[{index}]";
        var before = v.Count;
        var to = pin.To is { } t ? v.Network(t, $"{entity}.to") : null;
        var from = pin.From is { } f ? v.Network(f, $"{entity}.from") : null;
        if (to is { } a && from is { } b && a.BaseAddress.AddressFamily != b.BaseAddress.AddressFamily)
            v.Error(pin.From!, $"{entity}.from", "is of another address family than 'to'", "pin IPv4 and IPv6 traffic in separate entries");

        string? protocol = null;
        if (pin.Protocol is { } p)
            protocol = v.Word(p, $"{entity}.protocol", Vocabulary.Protocols);

        int? first = null, last = null;
        if (pin.Port is { } port)
        {
            var parts = port.Value.Split('-', 2);
            if (parts.All(x => int.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 65535)
                && int.Parse(parts[0], CultureInfo.InvariantCulture) <= int.Parse(parts[^1], CultureInfo.InvariantCulture))
            {
                first = int.Parse(parts[0], CultureInfo.InvariantCulture);
                last = int.Parse(parts[^1], CultureInfo.InvariantCulture);
            }
            else
                v.Error(port, $"{entity}.port", $"'{port.Value}' is not a port (1-65535) or a range like 8000-8100", null);
            if (protocol is null || !Vocabulary.PortProtocols.Contains(protocol))
                v.Error(port, $"{entity}.port", "a port needs a protocol that has ports", "add 'protocol: tcp' or 'protocol: udp'");
        }

        if (to is null && from is null && protocol is null && pin.Port is null && pin.To is null && pin.From is null)
            v.Error(pin.Position, entity, "matches every connection", "give at least one of 'to', 'from', 'protocol', 'port'");

        string? via = null;
        if (pin.Via is null)
            v.Error(pin.Position, entity, "has no 'via'", "add 'via: NAME' naming an uplink");
        else if (uplinks.All(u => u.Name != pin.Via.Value))
            v.Error(pin.Via, $"{entity}.via", $"no uplink is named '{pin.Via.Value}'", Suggest.DidYouMean(pin.Via.Value, uplinks.Select(u => u.Name)));
        else
        {
            via = pin.Via.Value;
            var family = (to ?? from)?.BaseAddress.AddressFamily;
            var carried = uplinks.First(u => u.Name == via).Families;
            if (family == AddressFamily.InterNetwork && !carried.HasFlag(Families.IPv4)
                || family == AddressFamily.InterNetworkV6 && !carried.HasFlag(Families.IPv6))
                v.Error(pin.Via, $"{entity}.via", $"uplink '{via}' does not carry {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")}", "pin this traffic to an uplink of its family");
        }

        return v.Count > before || via is null ? null : new PinModel(to, from, protocol, first, last, via);
    }

    /// <summary>The mask with bits added (above, else below) until it holds <paramref name="ids"/>; 0xffffffff at most.</summary>
    private static uint WiderMask(uint mask, int ids)
    {
        var wide = mask;
        while ((wide >> System.Numerics.BitOperations.TrailingZeroCount(wide)) < ids && wide != uint.MaxValue)
        {
            var top = 31 - System.Numerics.BitOperations.LeadingZeroCount(wide);
            wide |= top < 31 ? 1u << (top + 1) : 1u << (System.Numerics.BitOperations.TrailingZeroCount(wide) - 1);
        }
        return wide;
    }

    internal static bool TryParseUInt(string text, out uint value)
    {
        var t = text.Trim();
        return t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : uint.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Error collection plus the parsing helpers that report into it.</summary>
    internal sealed class Context(string file, List<ConfigError> errors)
    {
        public int Count => errors.Count;

        public void Error(Sourced<string> at, string entity, string problem, string? fix) =>
            errors.Add(new ConfigError(file, at.Position, entity, problem, fix));

        public void Error(SourcePosition at, string entity, string problem, string? fix) =>
            errors.Add(new ConfigError(file, at, entity, problem, fix));

        public T? Word<T>(Sourced<string> value, string entity, WordTable<T> table, string? extra = null) where T : struct, Enum =>
            Word(value, entity, table.Words, extra) is { } word ? table.Parse(word) : null;

        public string? Word(Sourced<string> value, string entity, IReadOnlyList<string> words, string? extra = null)
        {
            if (words.Contains(value.Value)) return value.Value;
            var hint = Suggest.DidYouMean(value.Value, words);
            Error(value, entity, $"'{value.Value}' is not a valid value", extra is null ? hint : $"{hint} {extra}");
            return null;
        }

        public long? Integer(Sourced<string> value, string entity, long min, long max, string what)
        {
            if (long.TryParse(value.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
                return n;
            Error(value, entity, $"'{value.Value}' is not {what} from {min} to {max}", $"use a whole number from {min} to {max}");
            return null;
        }

        public string? Interface(Sourced<string> value, string entity)
        {
            if (InterfaceName.Problem(value.Value) is not { } problem)
                return value.Value;
            Error(value, entity, $"'{value.Value}' is not a valid Linux interface name: it {problem}",
                "use 1-15 bytes without '/', ':', '%', whitespace or any of \" ' \\ * # =, e.g. eth0, wan1, tun0, eth0.100");
            return null;
        }

        public IPAddress? Address(Sourced<string> value, string entity)
        {
            // IPAddress.TryParse also takes "1" or "1.2" (inet_aton forms) and "fe80::1%eth0"; users mean neither.
            if (IPAddress.TryParse(value.Value, out var address) && !value.Value.Contains('%')
                && (address.AddressFamily == AddressFamily.InterNetworkV6 || value.Value.Count(c => c == '.') == 3))
                return address;
            Error(value, entity, $"'{value.Value}' is not an IP address", "write e.g. 192.0.2.1 or 2001:db8::1");
            return null;
        }

        public IPNetwork? Network(Sourced<string> value, string entity)
        {
            var text = value.Value.Contains('/') ? value.Value : value.Value + (value.Value.Contains(':') ? "/128" : "/32");
            // IPNetwork.TryParse quietly clears host bits; "10.0.0.1/8" is more likely a typo than a network.
            if (IPNetwork.TryParse(text, out var network) && IPAddress.TryParse(text.Split('/')[0], out var written)
                && written.Equals(network.BaseAddress))
                return network;
            Error(value, entity, $"'{value.Value}' is not an address or a network in CIDR notation",
                "write e.g. 10.0.0.0/8 or 2001:db8::/32 (no host bits set after the prefix)");
            return null;
        }
    }
}
