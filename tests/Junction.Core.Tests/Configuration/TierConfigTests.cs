using Junction.Model;

namespace Junction.Configuration.Tests;

public sealed class TierConfigTests
{
    private const string Good = """
        lan: [lan0]
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.11.0.1 }
          - { name: lte, interface: wwan0, gateway: 10.64.0.1, tier: 2 }
        """;

    private static (JunctionModel? Model, IReadOnlyList<ConfigError> Errors) Load(string yaml) => ConfigLoader.TryLoadText(yaml, "test.yaml");

    [Fact]
    public void Tiers_default_to_1_and_failback_to_new_only_with_a_30_second_hold()
    {
        var model = Load(Good).Model!;

        Assert.Equal([1, 2], model.Uplinks.Select(u => u.Tier));
        Assert.True(model.Tiered);
        Assert.Equal(FailbackMode.NewOnly, model.Failback);
        Assert.Equal(TimeSpan.FromSeconds(30), model.FailbackHold);
    }

    [Fact]
    public void A_gap_between_tiers_is_fine()
    {
        var (model, errors) = Load(Good.Replace("tier: 2", "tier: 5"));
        Assert.Empty(errors);
        Assert.Equal(5, model!.Uplink("lte").Tier);
    }

    [Fact]
    public void Failback_without_tiers_is_accepted_quietly_and_does_nothing()
    {
        var (model, errors) = Load(Good.Replace(", tier: 2", "") + "\nfailback: move\nfailback-hold: 0s\n");

        Assert.Empty(errors);
        Assert.False(model!.Tiered);
        Assert.Equal(FailbackMode.Move, model.Failback);
        Assert.Equal(TimeSpan.Zero, model.FailbackHold);
        Assert.False(new Health.FailbackPolicy(model, TimeProvider.System).Enabled);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("101")]
    [InlineData("1.5")]
    [InlineData("backup")]
    public void A_tier_must_be_a_whole_number_from_1_to_100(string tier)
    {
        var e = Assert.Single(Load(Good.Replace("tier: 2", $"tier: {tier}")).Errors);

        Assert.Equal("uplink 'lte'.tier", e.Entity);
        Assert.Equal($"'{tier}' is not a tier from 1 to 100", e.Problem);
        Assert.Contains("2 for a backup used only when every tier-1 uplink is down", e.Fix);
        Assert.Equal(4, e.Position.Line);
    }

    [Fact]
    public void A_misspelt_failback_word_or_key_gets_its_did_you_mean()
    {
        var word = Assert.Single(Load(Good + "\nfailback: moved\n").Errors);
        Assert.Equal("failback", word.Entity);
        Assert.Contains("did you mean 'move'", word.Fix);

        var key = Assert.Single(Load(Good + "\nfailbak: move\n").Errors);
        Assert.Contains("unknown key 'failbak'", key.Problem);
        Assert.Contains("did you mean 'failback'", key.Fix);

        var tier = Assert.Single(Load(Good.Replace("tier: 2", "teir: 2")).Errors);
        Assert.Contains("did you mean 'tier'", tier.Fix);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("2h")]
    [InlineData("-5s")]
    [InlineData("soon")]
    public void A_failback_hold_must_be_a_duration_up_to_an_hour(string hold)
    {
        var e = Assert.Single(Load(Good + $"\nfailback-hold: {hold}\n").Errors);

        Assert.Equal("failback-hold", e.Entity);
        Assert.Contains("is not a duration from 0s to 60m", e.Problem);
        Assert.Contains("'30s'", e.Fix);
    }
}
