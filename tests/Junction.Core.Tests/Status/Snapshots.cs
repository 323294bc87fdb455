using Junction.Health;

namespace Junction.Status.Tests;

/// <summary>A daemon snapshot as a test's fake daemon would give it: isp1 up, isp2 down with a pool.</summary>
internal static class Snapshots
{
    public static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static DaemonSnapshot Two() => new(
        "/etc/junction/junction.yaml",
        Now.AddHours(-2),
        Now,
        "round-robin",
        0x00ff0000,
        false,
        new ApplyStats(4, 1, Now.AddMinutes(-3), TimeSpan.FromMilliseconds(41), null, Now.AddHours(-2)),
        [
            new UplinkSnapshot("isp1", "wan1", 1, 0x00010000, 1000, 1.0, HealthState.Up, Now.AddMinutes(-3), "5 good rounds", 1,
                TimeSpan.FromMilliseconds(1.2), 0.0, true, []) { InUse = true },
            new UplinkSnapshot("isp2", "wan2", 2, 0x00020000, 1001, 0.0, HealthState.Down, Now.AddSeconds(-40), "carrier lost", 2,
                null, 1.0, false, ["192.0.2.11", "192.0.2.12"]),
        ]);

    /// <summary><see cref="Two"/> and an LTE uplink in tier 2, up and held in reserve, with a failback pending.</summary>
    public static DaemonSnapshot Tiered()
    {
        var two = Two();
        return two with
        {
            Uplinks = [.. two.Uplinks, new UplinkSnapshot("lte", "wwan0", 1, 0x00030000, 1002, 0.0, HealthState.Up, Now.AddMinutes(-20),
                "5 good rounds", 0, TimeSpan.FromMilliseconds(48), 0.0, true, []) { Tier = 2 }],
            FailbackDue = Now.AddSeconds(25),
        };
    }
}
