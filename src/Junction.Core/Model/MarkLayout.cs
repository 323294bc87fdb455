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
    public int MaxId => (int)Math.Min(Mask >> Shift, IdLimit);

    public uint Value(int id) => (uint)id << Shift;

    public uint Table(int id) => TableBase + (uint)id - 1;

    /// <summary>The priority of the rule that sends this uplink's mark to its table.</summary>
    public int Priority(int id) => RulePriority + id;

    /// <summary>The priority of the rule that lets specific routes of the main table win.</summary>
    public int MainPriority => RulePriority;

    /// <summary>The most uplinks (and so the largest id) any mask can hold.</summary>
    public const int IdLimit = 1024;

    /// <summary>
    /// Routing tables the kernel uses itself (RT_TABLE_UNSPEC, _DEFAULT, _MAIN, _LOCAL), named
    /// here once for the pure core; Junction.Linux's Interop holds the rest of the kernel's numbers.
    /// </summary>
    public const uint UnspecTable = 0, DefaultTable = 253, MainTable = 254, LocalTable = 255;

    /// <summary>Priorities of the kernel's default rules: lookup local, main, default.</summary>
    public const int KernelLocalRule = 0, KernelMainRule = 32766, KernelDefaultRule = 32767;

    public static bool IsSystemTable(long table) => table is UnspecTable or DefaultTable or MainTable or LocalTable;

    public static bool IsSystemPriority(long priority) => priority is KernelLocalRule or KernelMainRule or KernelDefaultRule;

    public string Hex(uint value) => $"0x{value:x8}";
}
