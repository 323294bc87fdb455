using System.Globalization;
using Junction.Health;

namespace Junction.Configuration;

/// <summary>Checks <c>passive:</c>: on/off, and thresholds that cannot false-alarm on one dead server.</summary>
internal static class PassiveValidator
{
    private static readonly string[] Switch = ["on", "off", "true", "false"];
    private static readonly TimeSpan MinFloor = TimeSpan.FromMilliseconds(10), MaxFloor = TimeSpan.FromSeconds(10);

    public static PassiveModel Validate(PassiveConfig? config, ValidationContext v)
    {
        if (config is null) return PassiveModel.Default;
        var model = PassiveModel.Default;
        if (config.Enabled is { } e && v.Word(e, config.Destinations is null && config.DeadlineFloor is null && config.DeadlineFactor is null
                ? "passive" : "passive.enabled", Switch) is { } word)
            model = model with { Enabled = word is "on" or "true" };
        if (config.Destinations is { } d
            && v.Integer(d, "passive.destinations", 2, 1000, "a number of different destinations (one dead server must never be enough)") is { } n)
            model = model with { Destinations = (int)n };
        if (config.DeadlineFloor is { } f)
        {
            if (ValidationContext.ParseDuration(f.Value) is { } floor && floor >= MinFloor && floor <= MaxFloor)
                model = model with { DeadlineFloor = floor };
            else
                v.Error(f, "passive.deadline-floor", $"'{f.Value}' is not a duration from 10ms to 10s",
                    "write the least time a new connection is given to be answered, with a unit, e.g. '100ms'");
        }
        if (config.DeadlineFactor is { } x)
        {
            if (double.TryParse(x.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var factor) && factor is >= 1 and <= 100)
                model = model with { DeadlineFactor = factor };
            else
                v.Error(x, "passive.deadline-factor", $"'{x.Value}' is not a number from 1 to 100",
                    "write how many times the uplink's 95th-percentile handshake time a connection is given, e.g. 3");
        }
        return model;
    }
}
