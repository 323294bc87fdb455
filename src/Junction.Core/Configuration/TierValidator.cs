using Junction.Model;

namespace Junction.Configuration;

/// <summary>
/// Checks <c>tier:</c> of an uplink and the top-level <c>failback:</c> and
/// <c>failback-hold:</c>. Gaps between tier numbers are fine (1, 2, 5: 5 is used when 1
/// and 2 are down), and <c>failback</c> in a file whose uplinks all share one tier is a
/// quiet no-op: there is never a worse tier to leave.
/// </summary>
internal static class TierValidator
{
    public static readonly TimeSpan MaxHold = TimeSpan.FromHours(1);

    public static int Tier(Sourced<string>? tier, string entity, ValidationContext v)
    {
        if (tier is null) return UplinkModel.DefaultTier;
        if (int.TryParse(tier.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            && n is >= 1 and <= UplinkModel.MaxTier)
            return n;
        v.Error(tier, $"{entity}.tier", $"'{tier.Value}' is not a tier from 1 to {UplinkModel.MaxTier}",
            "use a whole number: 1, the default, for the links to balance over; 2 for a backup used only when every tier-1 uplink is down");
        return UplinkModel.DefaultTier;
    }

    public static (FailbackMode Mode, TimeSpan Hold) Failback(JunctionConfig config, ValidationContext v)
    {
        var mode = FailbackMode.NewOnly;
        if (config.Failback is { } f)
            mode = v.Word(f, "failback", Vocabulary.Failback) ?? FailbackMode.NewOnly;

        var hold = JunctionModel.DefaultFailbackHold;
        if (config.FailbackHold is { } h)
        {
            if (ValidationContext.ParseDuration(h.Value) is { } d && d >= TimeSpan.Zero && d <= MaxHold)
                hold = d;
            else
                v.Error(h, "failback-hold", $"'{h.Value}' is not a duration from 0s to 60m",
                    "write how long a better tier must stay healthy before 'failback: move' flushes, with a unit (ms, s or m), e.g. '30s' or '2m'");
        }
        return (mode, hold);
    }
}
