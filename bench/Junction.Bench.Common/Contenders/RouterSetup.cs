namespace Junction.Bench.Contenders;

/// <summary>
/// What a contender is asked to install on the lab's router: balance over uplinks
/// 1..Weights.Length with these weights, and (when Pool &gt; 0) source-NAT each uplink's
/// connections over that many addresses of <see cref="SnatPool"/>.
/// </summary>
public sealed record RouterSetup(IReadOnlyList<int> Weights, int Pool = 0)
{
    public int Uplinks => Weights.Count;

    public static RouterSetup Equal(int uplinks, int pool = 0) => new(Enumerable.Repeat(1, uplinks).ToArray(), pool);

    /// <summary>Weights 1:2:3 repeated over the uplinks (2 uplinks: 1:2; 8: 1:2:3:1:2:3:1:2).</summary>
    public static RouterSetup OneTwoThree(int uplinks) => new(Enumerable.Range(0, uplinks).Select(i => i % 3 + 1).ToArray());

    public string WeightText => Weights.Distinct().Count() == 1 ? "equal" : string.Join(':', Weights);

    /// <summary>The share of new connections each uplink should get, in percent.</summary>
    public double[] TargetShares => Weights.Select(w => 100.0 * w / Weights.Sum()).ToArray();

    /// <summary>
    /// Uplink i's stretch of the expanded slot list: weight w gives w slots in a row, the
    /// order the iptables recipe's chain (--every S..1) uses.
    /// </summary>
    public IReadOnlyList<int> ExpandedSlots => Weights.SelectMany((w, i) => Enumerable.Repeat(i + 1, w)).ToArray();
}
