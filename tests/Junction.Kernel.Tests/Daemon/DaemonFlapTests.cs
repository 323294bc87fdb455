using System.Diagnostics;

namespace Junction.Kernel.Tests.Daemon;

/// <summary>A link that flaps faster than health damping lets through must not cost one apply per flip.</summary>
public sealed class DaemonFlapTests
{
    [Fact]
    public async Task A_link_flapping_every_100ms_costs_few_applies_and_its_final_state_is_applied()
    {
        await using var lab = DaemonLab.Start();
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
        var isp = lab.Lab.Lab.Network.Isp(2);
        var before = lab.LogCount("applied:");

        // 50 flips of isp2's carrier (its far end), about 100 ms apart; ends up.
        var flips = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 50; i++)
        {
            isp.Check("ip", "link", "set", "router", i % 2 == 0 ? "down" : "up");
            flips++;
            var next = TimeSpan.FromMilliseconds(100 * (i + 1)) - clock.Elapsed;
            if (next > TimeSpan.Zero) await Task.Delay(next, TestContext.Current.CancellationToken);
        }
        var during = lab.LogCount("applied:") - before;

        // One apply per route change would be about 50; pacing allows about one a second
        // (the flapping lasts 5 s or more) plus the health changes damping lets through.
        var seconds = (int)Math.Ceiling(clock.Elapsed.TotalSeconds);
        Assert.True(during <= seconds + 6, $"{during} applies for {flips} flips in {seconds} s\n{lab.Log}");
        // The last flip brought the carrier back: a trailing apply plans isp2's routes in again.
        var gateway = lab.Topology.IspGateway(2);
        await lab.WaitUntil(() => lab.Router.Check("ip", "route", "show", "table", "all").Contains($"default via {gateway} dev wan2 table"),
            "isp2's default route back in its table");
        Assert.DoesNotContain("apply failed", lab.Log);
    }
}
