using Junction.Configuration;

namespace Junction.Planning;

/// <summary>
/// The one way a string enters an nftables ruleset: as a quoted string that nft reads
/// back as exactly these bytes. nft's quoted strings have no escape for '"' and treat a
/// final '*' as a wildcard (an interface-name prefix match) unless it is written '\*';
/// a '\' before that final '*' would be eaten. Everything else, ';', '#', '{', '}' or a
/// newline included, is taken literally between the quotes. A string that cannot be
/// carried exactly is refused, never approximated: validation keeps such strings out,
/// so reaching the exception is a bug, not an injection.
/// </summary>
public static class NftQuote
{
    /// <exception cref="ArgumentException">the string cannot be written as an nft string that means exactly it.</exception>
    public static string String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0 || value.Contains('"', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
            throw new ArgumentException($"nftables cannot carry the string '{Printable.Escape(value)}' (empty, or with '\"' or NUL)", nameof(value));
        if (!value.EndsWith('*'))
            return $"\"{value}\"";
        if (value.EndsWith("\\*", StringComparison.Ordinal))
            throw new ArgumentException($"nftables cannot carry the string '{Printable.Escape(value)}' (it ends in '\\*')", nameof(value));
        return $"\"{value[..^1]}\\*\"";
    }

}
