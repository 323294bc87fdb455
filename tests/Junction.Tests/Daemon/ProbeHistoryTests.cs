using System.Net;
using Junction.Health;
using Junction.Model;

namespace Junction.Cli.Daemon.Tests;

/// <summary>The probe statistics status reads: loss over the last rounds and the last RTT, added from the engine's thread.</summary>
public sealed class ProbeHistoryTests
{
    private static readonly ProbeTarget Target = new(IPAddress.Parse("192.0.2.1"), null);

    private static ProbeRound Good(double ms) => new([ProbeResult.Ok(Target, TimeSpan.FromMilliseconds(ms))], 1);

    private static readonly ProbeRound Bad = new([ProbeResult.Failed(Target, "no echo reply within 300 ms")], 1);

    [Fact]
    public void Loss_counts_the_last_ten_rounds_and_the_rtt_is_the_last_answer()
    {
        var history = new ProbeHistory();
        Assert.Null(history.Loss);
        Assert.Null(history.LastRtt);

        history.Add(Good(3));
        history.Add(Bad);
        Assert.Equal(0.5, history.Loss);
        Assert.Equal(TimeSpan.FromMilliseconds(3), history.LastRtt);

        for (var i = 0; i < ProbeHistory.Rounds; i++) history.Add(Good(7));
        Assert.Equal(0, history.Loss);
        Assert.Equal(TimeSpan.FromMilliseconds(7), history.LastRtt);
        for (var i = 0; i < 3; i++) history.Add(Bad);
        Assert.Equal(0.3, history.Loss!.Value, 6);
    }
}
