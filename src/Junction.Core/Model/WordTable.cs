namespace Junction.Model;

/// <summary>
/// The words of one enum: what a user writes in the configuration file or on the command
/// line, and what plan, status, explain, metrics and the logs print. A value without an
/// entry has no word (e.g. <see cref="Families.None"/>); <see cref="Word"/> refuses it. A
/// value in <see cref="OutputOnly"/> is printed but never written by a user (e.g.
/// <see cref="SnatMode.Pool"/>, which the file spells as a mapping with addresses).
/// </summary>
public sealed class WordTable<T> where T : struct, Enum
{
    private readonly (T Value, string Word)[] _entries;

    public WordTable(params (T Value, string Word)[] entries)
    {
        for (var i = 0; i < entries.Length; i++)
            for (var j = 0; j < i; j++)
                if (EqualityComparer<T>.Default.Equals(entries[i].Value, entries[j].Value) || entries[i].Word == entries[j].Word)
                    throw new ArgumentException($"{typeof(T).Name}: '{entries[i].Word}' ({entries[i].Value}) is listed twice", nameof(entries));
        _entries = entries;
        Values = [.. entries.Select(e => e.Value)];
    }

    /// <summary>Values that have a word for output but that no input may name.</summary>
    public IReadOnlyList<T> OutputOnly { get; init; } = [];

    /// <summary>The words a user may write, in the order error messages list them.</summary>
    public IReadOnlyList<string> Words => _words ??= [.. _entries.Where(e => !OutputOnly.Contains(e.Value)).Select(e => e.Word)];
    private string[]? _words;

    /// <summary>The values that have a word.</summary>
    public IReadOnlyList<T> Values { get; }

    public string Word(T value)
    {
        foreach (var (v, word) in _entries)
            if (EqualityComparer<T>.Default.Equals(v, value)) return word;
        throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(T).Name}.{value} has no word");
    }

    /// <summary>The value of a word a user may write (not one of <see cref="OutputOnly"/>).</summary>
    public bool TryParse(string word, out T value)
    {
        foreach (var (v, w) in _entries)
            if (w == word && !OutputOnly.Contains(v))
            {
                value = v;
                return true;
            }
        value = default;
        return false;
    }

    public T? Parse(string word) => TryParse(word, out var value) ? value : null;
}
