namespace Junction.Balancing;

/// <summary>
/// A Maglev-style lookup table for the hash modes: a packet's hash picks a slot and the
/// slot names the uplink. Each member walks its own pseudo-random permutation of the
/// slots and claims free ones in weighted turns, so shares match the weights exactly
/// when the table size is a multiple of the weight sum.
///
/// Unlike plain Maglev, a member that goes down does not cause a rebuild: only its slots
/// are handed, by the same preference walk, to the members still up. The full table is
/// the fixed point: when the member comes back it takes exactly its slots back, so only
/// its own share of clients moves, both ways.
/// </summary>
public static class ConsistentSlotTable
{
    /// <summary>The largest table built; beyond it shares are rounded.</summary>
    public const int MaxSize = 4096;

    /// <summary>A table size that is a multiple of the weight sum and at least <paramref name="minimum"/>.</summary>
    public static int SizeFor(IReadOnlyList<int> weights, int minimum = 256)
    {
        var total = weights.Sum();
        if (total >= MaxSize) return MaxSize;
        return (int)Math.Ceiling(minimum / (double)total) * total;
    }

    /// <summary>
    /// The owner (index into <paramref name="keys"/>) of each slot, or -1 for every slot
    /// when no member is up.
    /// </summary>
    /// <param name="keys">Stable identities of all members (uplink names): the permutations derive from them.</param>
    /// <param name="weights">Each member's weight.</param>
    /// <param name="up">Which members may own slots.</param>
    public static int[] Build(IReadOnlyList<string> keys, IReadOnlyList<int> weights, IReadOnlyList<bool> up, int size)
    {
        var all = Enumerable.Range(0, keys.Count).ToArray();
        var table = Fill(new int[size].Select(_ => -1).ToArray(), keys, weights, all);
        var alive = all.Where(i => up[i]).ToArray();
        if (alive.Length == 0) return table.Select(_ => -1).ToArray();
        if (alive.Length == keys.Count) return table;

        for (var s = 0; s < size; s++)
            if (!up[table[s]]) table[s] = -1;
        return Fill(table, keys, weights, alive);
    }

    /// <summary>Hands the free (-1) slots to <paramref name="members"/> until each holds its share.</summary>
    private static int[] Fill(int[] table, IReadOnlyList<string> keys, IReadOnlyList<int> weights, int[] members)
    {
        var size = table.Length;
        var quota = Quotas(members.Select(i => weights[i]).ToArray(), size);
        var held = new int[members.Length];
        for (var s = 0; s < size; s++)
        {
            var m = Array.IndexOf(members, table[s]);
            if (m >= 0) held[m]++;
        }

        var permutations = members.Select(i => Permutation(keys[i], size)).ToArray();
        var cursor = new int[members.Length];
        var turns = SmoothWeightedRoundRobin.Slots(members.Select(i => weights[i]).ToArray());
        var free = table.Count(x => x < 0);
        // With a rounded table a member may already hold more than its new share;
        // the others then take the remainder, so every free slot finds an owner.
        for (var m = 0; members.Select((_, k) => Math.Max(0, quota[k] - held[k])).Sum() < free; m = (m + 1) % members.Length)
            quota[m]++;
        for (var t = 0; free > 0; t = (t + 1) % turns.Length)
        {
            var m = turns[t];
            if (held[m] >= quota[m]) continue;
            // The member's next preferred slot that is still free.
            int slot;
            do slot = permutations[m](cursor[m]++); while (table[slot] >= 0);
            table[slot] = members[m];
            held[m]++;
            free--;
        }
        return table;
    }

    /// <summary>Largest-remainder split of <paramref name="size"/> slots by weight.</summary>
    internal static int[] Quotas(int[] weights, int size)
    {
        long total = weights.Sum();
        var quota = weights.Select(w => (int)(w * (long)size / total)).ToArray();
        var order = Enumerable.Range(0, weights.Length)
            .OrderByDescending(i => weights[i] * (long)size % total)
            .ThenBy(i => i);
        var left = size - quota.Sum();
        foreach (var i in order)
        {
            if (left-- <= 0) break;
            quota[i]++;
        }
        return quota;
    }

    /// <summary>
    /// Maglev's permutation: offset + j*skip (mod size), with skip coprime to size so
    /// every slot is visited once per cycle.
    /// </summary>
    private static Func<int, int> Permutation(string key, int size)
    {
        var h1 = Fnv1a(key, 0x811C9DC5u);
        var h2 = Fnv1a(key, 0x01000193u ^ 0x5bd1e995u);
        var offset = (int)(h1 % (uint)size);
        var skip = size == 1 ? 1 : (int)(h2 % (uint)(size - 1)) + 1;
        while (SmoothWeightedRoundRobin.Gcd(skip, size) != 1) skip = skip % (size - 1) + 1;
        return j => (int)((offset + (long)j * skip) % size);
    }

    private static uint Fnv1a(string text, uint seed)
    {
        var hash = seed;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 0x01000193u;
        }
        // Final avalanche so short, similar names ("isp1", "isp2") spread well.
        hash ^= hash >> 16;
        hash *= 0x85ebca6bu;
        hash ^= hash >> 13;
        hash *= 0xc2b2ae35u;
        hash ^= hash >> 16;
        return hash;
    }
}
