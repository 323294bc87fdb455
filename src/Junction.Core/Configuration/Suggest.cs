namespace Junction.Configuration;

/// <summary>"Did you mean" suggestions by edit distance.</summary>
internal static class Suggest
{
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var d = Distance(input.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }
        // Suggest only when the typo is small relative to the word.
        return best is not null && bestDistance <= Math.Max(2, best.Length / 3) ? best : null;
    }

    public static string DidYouMean(string input, IEnumerable<string> candidates)
    {
        var list = candidates.ToList();
        var closest = Closest(input, list);
        return closest is not null
            ? $"did you mean '{closest}'?"
            : $"expected one of: {string.Join(", ", list)}";
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}

/// <summary>"Did you mean" for the executable's own words (control-socket modes).</summary>
public static class SuggestPublic
{
    public static string DidYouMean(string input, IEnumerable<string> candidates) => Suggest.DidYouMean(input, candidates);
}
