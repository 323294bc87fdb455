using System.Net;
using Junction.Model;

namespace Junction.Health.Tests;

/// <summary>Probe rounds and models for health tests.</summary>
internal static class Rounds
{
    private static readonly ProbeTarget Target = new(IPAddress.Parse("192.0.2.1"), null);

    public static readonly ProbeModel Probe = ProbeModel.None with { Targets = [Target] };

    public static ProbeRound Good => new([ProbeResult.Ok(Target, TimeSpan.FromMilliseconds(3))], 1);

    public static ProbeRound Bad => new([ProbeResult.Failed(Target, "timed out")], 1);

    public static UplinkModel Uplink(string name, ProbeModel? probe = null) =>
        new(name, name, null, null, Families.IPv4, 1, 1, SnatModel.Masquerade, probe ?? Probe);
}
