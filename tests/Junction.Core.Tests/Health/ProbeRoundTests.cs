using System.Net;
using Junction.Model;

namespace Junction.Health.Tests;

/// <summary>How a round reads in reasons, status and logs: short, with counts only where they add something.</summary>
public sealed class ProbeRoundTests
{
    private static readonly ProbeTarget A = new(IPAddress.Parse("10.100.1.1"), null);
    private static readonly ProbeTarget B = new(IPAddress.Parse("10.100.1.9"), null);

    [Fact]
    public void One_target_reads_as_its_answer_alone()
    {
        var good = new ProbeRound([ProbeResult.Ok(A, TimeSpan.FromMilliseconds(1.963))], 1);
        var bad = new ProbeRound([ProbeResult.Failed(A, "no echo reply within 300 ms")], 1);

        Assert.Equal("10.100.1.1 1.96 ms", good.ToString());
        Assert.Equal("probes answered (1/1): 10.100.1.1 1.96 ms", good.Answers);
        Assert.Equal("10.100.1.1 no echo reply within 300 ms", bad.ToString());
    }

    [Fact]
    public void Several_targets_say_how_many_answered_and_how_many_are_required()
    {
        var round = new ProbeRound([ProbeResult.Ok(A, TimeSpan.FromMilliseconds(0.42)), ProbeResult.Failed(B, "timed out")], 1);

        Assert.Equal("1/2 answered, 1 required: 10.100.1.1 0.42 ms, 10.100.1.9 timed out", round.ToString());
        Assert.Equal("probes answered (1/2, 1 required): 10.100.1.1 0.42 ms, 10.100.1.9 timed out", round.Answers);
    }

    [Theory]
    [InlineData(0, 3, 1, false)]  // nothing in yet, one answer would do
    [InlineData(1, 2, 1, true)]   // the required answer arrived: the rest are not waited for
    [InlineData(0, 1, 2, true)]   // two required, one left to answer: cannot be good any more
    [InlineData(1, 1, 2, false)]  // one more answer would make it good
    [InlineData(0, 0, 1, true)]   // every probe is in
    public void A_round_is_decided_once_its_outcome_is_certain(int answered, int pending, int require, bool decided) =>
        Assert.Equal(decided, ProbeRound.IsDecided(answered, pending, require));
}
