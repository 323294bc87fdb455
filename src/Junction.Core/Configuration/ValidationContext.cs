using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Junction.Model;

namespace Junction.Configuration;

/// <summary>
/// What the validators of one pass share: the error list, and the parsing helpers for the
/// values every section has (words, numbers, interfaces, addresses, networks, durations),
/// each reporting its own error so no validator spells those messages twice.
/// </summary>
internal sealed class ValidationContext(string file, List<ConfigError> errors)
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
        // Like Address, the inet_aton forms are refused: "10.1" would be 10.0.0.1, "1.2.3" 1.2.0.3.
        if (IPNetwork.TryParse(text, out var network) && IPAddress.TryParse(text.Split('/')[0], out var written)
            && written.Equals(network.BaseAddress)
            && (written.AddressFamily == AddressFamily.InterNetworkV6 || text.Split('/')[0].Count(c => c == '.') == 3))
            return network;
        Error(value, entity, $"'{value.Value}' is not an address or a network in CIDR notation",
            "write e.g. 10.0.0.0/8 or 2001:db8::/32 (no host bits set after the prefix)");
        return null;
    }

    /// <summary>
    /// "200ms", "1s", "1.5s", "2m"; a bare number is refused because its unit would be a guess.
    /// double.TryParse takes "Infinity" and "NaN" whatever the number styles, and a long run of
    /// digits overflows TimeSpan: those are not durations (null), never an exception, which
    /// would end 'junction validate' with a stack trace and a daemon's SIGHUP reload.
    /// </summary>
    public static TimeSpan? ParseDuration(string text)
    {
        var t = text.Trim();
        var (number, scale) = t.EndsWith("ms", StringComparison.Ordinal) ? (t[..^2], 1.0)
            : t.EndsWith('s') ? (t[..^1], 1000.0)
            : t.EndsWith('m') ? (t[..^1], 60_000.0)
            : (null, 0);
        if (number is null || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            return null;
        var ms = Math.Round(n * scale);
        return double.IsFinite(ms) && ms <= MaxDurationMs ? TimeSpan.FromMilliseconds(ms) : null;
    }

    /// <summary>Far above any duration a key accepts (the longest is an hour) and far below TimeSpan's limit.</summary>
    private const double MaxDurationMs = 366.0 * 24 * 3600 * 1000;
}
