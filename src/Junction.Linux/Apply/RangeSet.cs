using System.Globalization;

namespace Junction.Linux.Apply;

/// <summary>
/// A set of whole numbers kept as sorted, merged inclusive ranges ("1000-1001,1005-1005"):
/// the routing tables or rule priorities an <see cref="Ownership"/> record names. Two sets
/// with the same members are equal and print the same.
/// </summary>
public sealed class RangeSet : IEquatable<RangeSet>
{
    private readonly (long First, long Last)[] _ranges;

    private RangeSet((long First, long Last)[] ranges) => _ranges = ranges;

    public static RangeSet Empty { get; } = new([]);

    public IReadOnlyList<(long First, long Last)> Ranges => _ranges;

    public bool IsEmpty => _ranges.Length == 0;

    public static RangeSet Of(long first, long last) => first <= last ? new([(first, last)]) : Empty;

    /// <summary>The numbers given, each a range of its own until merged.</summary>
    public static RangeSet Of(IEnumerable<long> numbers) => Merge(numbers.Select(n => (n, n)));

    public RangeSet Union(RangeSet other) => Merge(_ranges.Concat(other._ranges));

    /// <summary>One range from the lowest member to the highest.</summary>
    public RangeSet Hull() => IsEmpty ? this : Of(_ranges[0].First, _ranges[^1].Last);

    public bool Contains(long n)
    {
        foreach (var (first, last) in _ranges)
            if (n >= first && n <= last) return true;
        return false;
    }

    private static RangeSet Merge(IEnumerable<(long First, long Last)> ranges)
    {
        var merged = new List<(long First, long Last)>();
        foreach (var r in ranges.Where(r => r.First <= r.Last).OrderBy(r => r.First))
        {
            if (merged.Count > 0 && r.First <= merged[^1].Last + 1)
                merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, r.Last));
            else
                merged.Add(r);
        }
        return new RangeSet([.. merged]);
    }

    /// <summary>"A-B,C-D"; "none" for the empty set.</summary>
    public override string ToString() =>
        IsEmpty ? "none" : string.Join(',', _ranges.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.First}-{r.Last}")));

    /// <summary>Reads what <see cref="ToString"/> wrote; null for anything else.</summary>
    public static RangeSet? Parse(string text)
    {
        if (text == "none") return Empty;
        var ranges = new List<(long, long)>();
        foreach (var part in text.Split(','))
        {
            var ends = part.Split('-');
            if (ends.Length != 2
                || !long.TryParse(ends[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                || !long.TryParse(ends[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
                || first > last)
                return null;
            ranges.Add((first, last));
        }
        return Merge(ranges);
    }

    public bool Equals(RangeSet? other) => other is not null && _ranges.AsSpan().SequenceEqual(other._ranges);

    public override bool Equals(object? obj) => Equals(obj as RangeSet);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var r in _ranges) h.Add(r);
        return h.ToHashCode();
    }
}
