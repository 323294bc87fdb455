using System.Numerics;

namespace Junction.Model;

/// <summary>
/// Where Junction's uplink numbers live inside the 32-bit packet and conntrack marks.
/// Only the bits of <see cref="Mask"/> are ever read or written, so other tools'
/// marks survive.
/// </summary>
public sealed record MarkLayout(uint Mask, uint TableBase, int RulePriority)
{
    public int Shift => BitOperations.TrailingZeroCount(Mask);

    /// <summary>The largest uplink id the mask can hold.</summary>
    public int MaxId => (int)Math.Min(Mask >> Shift, 1024u);

    public uint Value(int id) => (uint)id << Shift;

    public uint Table(int id) => TableBase + (uint)id - 1;

    /// <summary>The priority of the rule that sends this uplink's mark to its table.</summary>
    public int Priority(int id) => RulePriority + id;

    /// <summary>The priority of the rule that lets specific routes of the main table win.</summary>
    public int MainPriority => RulePriority;

    /// <summary>Junction owns rules with priorities in [RulePriority, LastPriority].</summary>
    public int LastPriority => RulePriority + MaxId;

    public string Hex(uint value) => $"0x{value:x8}";
}
