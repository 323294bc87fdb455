using System.Text.RegularExpressions;
using Junction.Model;

namespace Junction.Configuration;

/// <summary>Checks <c>ha:</c>. Its directory ends up in keepalived's configuration and a shell script, so only plain path characters pass.</summary>
internal static partial class HaValidator
{
    public static HaModel Validate(HaConfig ha, ValidationContext v)
    {
        var dir = HaModel.DefaultStateDirectory;
        if (ha.StateDir is { } sd)
        {
            if (SafePath().IsMatch(sd.Value) && !sd.Value.Split('/').Contains("..") && sd.Value.Length <= 100)
                dir = sd.Value.Length > 1 ? sd.Value.TrimEnd('/') : sd.Value;
            else
                v.Error(sd, "ha.state-dir", $"'{sd.Value}' is not an absolute path of letters, digits, '.', '_', '-' and '/'",
                    "write e.g. /run/junction/ha (at most 100 characters, no '..'): keepalived's configuration and notify script name files in it");
        }
        var delay = HaModel.DefaultFlushDelay;
        if (ha.FlushDelay is { } fd)
        {
            if (ValidationContext.ParseDuration(fd.Value) is { } d && d >= TimeSpan.Zero && d <= TimeSpan.FromMinutes(1)) delay = d;
            else v.Error(fd, "ha.flush-delay", $"'{fd.Value}' is not a duration from 0ms to 1m",
                "write a number with a unit, e.g. '2s': how long a failed uplink's connections are kept before the flush, so a takeover by the peer can settle");
        }
        var hold = HaModel.DefaultHoldAfterStart;
        if (ha.HoldAfterStart is { } hs)
        {
            if (ValidationContext.ParseDuration(hs.Value) is { } d && d >= TimeSpan.Zero && d <= TimeSpan.FromMinutes(10)) hold = d;
            else v.Error(hs, "ha.hold-after-start", $"'{hs.Value}' is not a duration from 0ms to 10m",
                "write a number with a unit, e.g. '5s': how long a starting router that is not master reports every uplink unhealthy, so it takes mastership back only after conntrackd fetched the peer's connections");
        }
        return new HaModel(dir, delay) { HoldAfterStart = hold };
    }

    [GeneratedRegex("^/[A-Za-z0-9._/-]*$")]
    private static partial Regex SafePath();
}
