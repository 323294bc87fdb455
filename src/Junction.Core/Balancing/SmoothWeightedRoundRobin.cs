namespace Junction.Balancing;

/// <summary>
/// Nginx's smooth weighted round-robin, unrolled into a fixed slot sequence: over one
/// cycle of <c>sum(weights)/gcd</c> slots every member appears exactly its weight's share
/// of times, and its appearances are spread out (weights 1:2:3 give C B A C B C, not
/// A B B C C C), so a short burst of connections is already close to the target shares.
/// </summary>
public static class SmoothWeightedRoundRobin
{
    /// <summary>The member index for each slot of one cycle.</summary>
    public static int[] Slots(IReadOnlyList<int> weights)
    {
        if (weights.Count == 0) return [];
        if (weights.Any(w => w <= 0)) throw new ArgumentOutOfRangeException(nameof(weights), "weights must be positive");

        var divisor = weights.Aggregate(Gcd);
        var reduced = weights.Select(w => w / divisor).ToArray();
        var total = reduced.Sum();
        var current = new long[reduced.Length];
        var slots = new int[total];
        for (var s = 0; s < total; s++)
        {
            var best = 0;
            for (var i = 0; i < reduced.Length; i++)
            {
                current[i] += reduced[i];
                if (current[i] > current[best]) best = i;
            }
            current[best] -= total;
            slots[s] = best;
        }
        return slots;
    }

    internal static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
