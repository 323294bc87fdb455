using System.Globalization;
using System.Text;

namespace Junction.Configuration.Tests;

/// <summary>
/// Random configuration files from a seed: every key the parser knows (read from its own
/// lists, so a new key is fuzzed as soon as it exists), random subsets of them, each with
/// a value drawn from that key's valid values, near misses, hostile strings (quotes,
/// nftables syntax, control bytes, huge numbers) or the wrong shape (a list where a value
/// belongs); some files are then damaged byte by byte (tabs, brackets, colons, NUL).
/// The same seed always gives the same files, so a failure names the seed and case that
/// reproduce it.
/// </summary>
internal sealed class ConfigFuzzer(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>Strings that have broken or could break a parser, a validator or a ruleset.</summary>
    public static readonly string[] Hostile =
    [
        "", " ", "~", "null", "-", "0", "-1", "007", "1e9", "1.5", "NaN", "∞", "0x", "0xg", "0x100000000", "4294967296",
        "99999999999999999999999", "-9223372036854775809", "2147483648", "true", "yes", "no",
        "a\"}accept;drop#", "\"", "'", "\\", "\\*", "*", "#", "%d", "=", ";", "{}", "[]", "..", ".", "/", ":", "eth0:1",
        "a b", "\t", "\n", "\r\n", "\0", "a\0b", "\x1b[2J\x1b[31m", "\x7f", "\u0085", "\u202eevil", "\u00a0", "à", "é",
        "$(touch /tmp/p)", "`id`", "${HOME}", "%s%s%s", "../../etc/passwd", "0.0.0.0", "255.255.255.255", "::", "::1",
        "fe80::1%eth0", "1.2.3", "1.2.3.4.5", "10.0.0.1/8", "10.0.0.0/33", "::/129", "2001:db8::/-1",
        new string('a', 16), new string('x', 300), new string('9', 40), "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    ];

    private static readonly Dictionary<string, string[]> Valid = new()
    {
        ["lan"] = ["lan0", "br-lan", "eth0.100", "wg@home+1"],
        ["local"] = ["true", "false", "yes", "off"],
        ["balance"] = ["round-robin", "random", "hash-source", "hash-source-destination"],
        ["mark-mask"] = ["0x00ff0000", "0xff000000", "0x0000ff00", "0x0f", "0xffffffff", "0x3"],
        ["table-base"] = ["1000", "100", "20000", "1", "252", "256", "2000000000"],
        ["rule-priority"] = ["1000", "1", "30000", "32700"],
        ["bypass"] = ["10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32", "203.0.113.7"],
        ["flush"] = ["dead", "none"],
        ["passive"] = ["on", "off"],
        ["failback"] = [.. Junction.Model.Vocabulary.Failback.Words],
        ["failback-hold"] = ["0s", "30s", "2m"],
        ["tier"] = ["1", "2", "3", "100"],
        ["state-dir"] = ["/run/junction", "/var/lib/junction-ha"],
        ["flush-delay"] = ["0s", "2s", "500ms"],
        ["hold-after-start"] = ["0s", "10s", "1m"],
        ["name"] = ["isp1", "isp2", "vpn-a", "x", "office"],
        ["interface"] = ["wan1", "wan2", "wan3", "eth0", "tun0", "w-1.5", "w;}{$x", "w,!~"],
        ["gateway"] = ["10.11.0.1", "10.12.0.1", "192.0.2.1", "2001:db8:12::1"],
        ["gateway6"] = ["2001:db8:12::1", "fe80::1"],
        ["family"] = ["ipv4", "ipv6", "dual"],
        ["weight"] = ["1", "2", "3", "1000"],
        ["id"] = ["1", "2", "3", "7", "255"],
        ["snat"] = ["masquerade", "none"],
        ["addresses"] = ["192.0.2.201", "192.0.2.202", "10.11.0.9", "2001:db8:12::9"],
        ["spread"] = ["round-robin", "random", "hash-source"],
        ["kind"] = ["icmp", "tcp"],
        ["targets"] = ["10.11.0.1", "192.0.2.1:443", "[2001:db8::1]:80", "1.1.1.1"],
        ["interval"] = ["200ms", "1s", "50ms", "2m"],
        ["timeout"] = ["300ms", "1s", "100ms"],
        ["down-after"] = ["1", "3", "10"],
        ["up-after"] = ["1", "5"],
        ["require"] = ["1", "2", "all"],
        ["to"] = ["203.0.113.0/24", "2001:db8:1::/48", "198.51.100.7"],
        ["from"] = ["10.9.0.50", "10.0.0.0/8"],
        ["protocol"] = ["tcp", "udp", "icmp", "sctp"],
        ["port"] = ["443", "8000-8100", "1", "65535"],
        ["via"] = ["isp1", "isp2", "office"],
        ["listen"] = ["127.0.0.1:9419", "[::1]:9419"],
    };

    private static readonly string[] Lists = ["lan", "bypass", "addresses", "targets"];

    private const string Damage = "\t\n :-[]{}\"'#&*!|>%@`,?\\\0\u00a0\x1b";

    // How likely a value is drawn from the key's valid ones: high for the files meant to
    // reach the planner (and nft), low for the hostile ones.
    private double _valid;

    public string Next()
    {
        var careful = Chance(0.4);
        _valid = careful ? 0.97 : 0.6;
        var text = Document();
        // One hostile file in three is damaged: YAML syntax errors, mostly, which must still say where.
        if (!careful && _random.Next(3) == 0)
        {
            var chars = new StringBuilder(text);
            for (var n = _random.Next(1, 6); n > 0 && chars.Length > 0; n--)
            {
                var at = _random.Next(chars.Length);
                switch (_random.Next(3))
                {
                    case 0: chars.Insert(at, Damage[_random.Next(Damage.Length)]); break;
                    case 1: chars.Remove(at, 1); break;
                    default: chars[at] = Damage[_random.Next(Damage.Length)]; break;
                }
            }
            text = chars.ToString();
        }
        return text;
    }

    private string Document()
    {
        var s = new StringBuilder();
        foreach (var key in ConfigParser.TopKeys.Where(_ => Chance(0.35)))
        {
            switch (key)
            {
                case "uplinks":
                    continue;
                case "pin":
                    s.Append("pin:\n");
                    for (var i = _random.Next(0, 3); i > 0; i--) s.Append(Item(ConfigParser.PinKeys, "  "));
                    break;
                case "metrics":
                    s.Append("metrics:\n").Append(Mapping(ConfigParser.MetricsKeys, "  "));
                    break;
                case "ha":
                    s.Append("ha:\n").Append(Mapping(ConfigParser.HaKeys, "  "));
                    break;
                default:
                    s.Append(key).Append(": ").Append(Value(key)).Append('\n');
                    break;
            }
        }
        if (Chance((1 - _valid) / 4)) s.Append(Scalar(Pick(Hostile))).Append(": 1\n");
        if (Chance(0.5 + _valid / 2))
        {
            s.Append("uplinks:\n");
            var uplinks = Chance(0.005) ? 300 : _random.Next(0, 5);
            for (var i = 1; i <= uplinks; i++)
                s.Append(Uplink(i));
        }
        return s.ToString();
    }

    /// <summary>
    /// An uplink whose values agree with each other (one family throughout, targets of
    /// that family, pool addresses on its network), so careful files reach the planner;
    /// sometimes with one key made hostile.
    /// </summary>
    private string CoherentUplink(int i)
    {
        string[] devices = [$"wan{i}", $"w-{i}.5", $"w;}}{{{i}", $"w@n+{i}", $"eth{i}.100"];
        var v6 = Chance(0.15);
        var dual = !v6 && Chance(0.15);
        var gateway = v6 ? $"2001:db8:{i}::1" : $"10.{i % 250}.{i / 250}.1";
        var lines = new List<string> { $"name: isp{i}", $"interface: {Scalar(Pick(devices))}" };
        if (Chance(0.85)) lines.Add($"gateway: {gateway}");
        if (dual) lines.Add($"gateway6: 2001:db8:{i}::1");
        if (Chance(0.4)) lines.Add($"weight: {_random.Next(1, 6)}");
        if (Chance(0.3)) lines.Add($"id: {i}");
        if (Chance(0.3))
        {
            var pool = Enumerable.Range(2, _random.Next(1, 5)).Select(k => v6 ? $"2001:db8:{i}::{k}" : $"10.{i % 250}.{i / 250}.{k}");
            lines.Add(Chance(0.5) ? $"snat: {Pick(new[] { "masquerade", "none" })}"
                : $"snat: {{ addresses: [{string.Join(", ", pool)}], spread: {Pick(Valid["spread"])} }}");
        }
        if (Chance(0.3))
            lines.Add(Chance(0.5)
                ? $"probe: {{ kind: icmp, targets: [{(v6 ? "\"2001:db8::53\"" : "192.0.2.53")}], interval: {Pick(Valid["interval"])}, timeout: 100ms }}"
                : $"probe: {{ kind: tcp, targets: [\"{(v6 ? "[2001:db8::53]:443" : "192.0.2.53:443")}\"], require: all }}");
        if (Chance(1 - _valid) && lines.Count > 0)
        {
            var at = _random.Next(lines.Count);
            lines[at] = lines[at][..lines[at].IndexOf(':')] + ": " + Scalar(Pick(Hostile));
        }
        return "  - " + string.Join("\n    ", lines) + "\n";
    }

    private string Uplink(int i)
    {
        if (_valid > 0.9) return CoherentUplink(i);
        var s = new StringBuilder();
        var keys = ConfigParser.UplinkKeys.Where(k => k is "name" or "interface" or "gateway" ? Chance(0.5 + _valid / 2) : Chance(0.3)).ToList();
        var first = true;
        foreach (var key in keys)
        {
            s.Append(first ? "  - " : "    ");
            first = false;
            switch (key)
            {
                case "name" when Chance(_valid): s.Append($"name: isp{i}\n"); break;
                case "interface" when Chance(_valid): s.Append($"interface: wan{i}\n"); break;
                case "snat" when Chance(0.5):
                    s.Append("snat:\n").Append(Mapping(ConfigParser.SnatKeys, "      "));
                    break;
                case "probe":
                    s.Append("probe:\n").Append(Mapping(ConfigParser.ProbeKeys, "      "));
                    break;
                default:
                    s.Append(key).Append(": ").Append(Value(key)).Append('\n');
                    break;
            }
        }
        return first ? "  - {}\n" : s.ToString();
    }

    private string Item(string[] keys, string indent)
    {
        var map = Mapping(keys, indent + "  ");
        return map.Length == 0 ? indent + "- {}\n" : indent + "- " + map[(indent.Length + 2)..];
    }

    private string Mapping(string[] keys, string indent)
    {
        var s = new StringBuilder();
        foreach (var key in keys.Where(_ => Chance(0.5)))
            s.Append(indent).Append(key).Append(": ").Append(Value(key)).Append('\n');
        if (s.Length == 0 && Chance(0.5)) s.Append(indent).Append("{}\n");
        return s.ToString();
    }

    /// <summary>A value for the key: mostly valid, else a near miss, something hostile, or the wrong shape.</summary>
    private string Value(string key)
    {
        var roll = _random.NextDouble();
        var wrong = (1 - _valid) / 8;
        if (roll < wrong) return "{ x: 1 }";
        if (roll < 2 * wrong) return Lists.Contains(key) ? "[[a], {b: c}]" : "[a, b]";
        if (Lists.Contains(key))
        {
            var items = Enumerable.Range(0, _random.Next(0, 4)).Select(_ => Scalar(One(key)));
            return "[" + string.Join(", ", items) + "]";
        }
        return Scalar(One(key));
    }

    private string One(string key)
    {
        var roll = _random.NextDouble();
        if (roll < _valid && Valid.TryGetValue(key, out var good)) return Pick(good);
        if (roll < (1 + _valid) / 2) return Pick(Hostile);
        return RandomText(_random.Next(0, 20));
    }

    private string RandomText(int length)
    {
        const string alphabet = "abcxyz0129.-_:/@+;{}#\"'\\ *%=\t\x01\x1b\u00e9\u00a0";
        return new string(Enumerable.Range(0, length).Select(_ => alphabet[_random.Next(alphabet.Length)]).ToArray());
    }

    /// <summary>Plain when YAML reads it back unchanged, else double-quoted with YAML's escapes (control bytes included).</summary>
    private string Scalar(string value)
    {
        if (value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '/' or '_') && Chance(0.8))
            return value;
        var s = new StringBuilder("\"");
        foreach (var c in value)
        {
            s.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\0' => "\\0",
                '\t' => "\\t",
                '\n' => "\\n",
                '\r' => "\\r",
                _ when char.IsControl(c) => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => c.ToString(),
            });
        }
        return s.Append('"').ToString();
    }

    private bool Chance(double p) => _random.NextDouble() < p;

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
