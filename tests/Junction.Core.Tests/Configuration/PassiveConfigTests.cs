using Junction.Health;
using Junction.Model;

namespace Junction.Configuration.Tests;

public sealed class PassiveConfigTests
{
    private const string Uplinks = """
        lan: [lan0]
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.11.0.1 }
          - { name: isp2, interface: wan2, gateway: 10.12.0.1 }
        """;

    private static (JunctionModel? Model, IReadOnlyList<ConfigError> Errors) Load(string extra) =>
        ConfigLoader.TryLoadText(Uplinks + "\n" + extra, "test.yaml");

    [Fact]
    public void Passive_is_on_with_the_defaults_unless_said_otherwise()
    {
        Assert.Equal(PassiveModel.Default, Load("").Model!.Passive);
        Assert.False(Load("passive: off\n").Model!.Passive.Enabled);
        Assert.True(Load("passive: on\n").Model!.Passive.Enabled);
    }

    [Fact]
    public void A_bad_passive_value_is_reported_also_when_other_sections_have_errors()
    {
        // It used to be checked only once everything else was valid: one error hid the other.
        var (model, errors) = Load("balance: fastest\npassive:\n  destinations: 1\n");

        Assert.Null(model);
        Assert.Equal(["balance", "passive.destinations"], errors.Select(e => e.Entity));
    }

    [Fact]
    public void Thresholds_are_read_from_a_mapping()
    {
        var (model, errors) = Load("passive:\n  enabled: on\n  destinations: 5\n  deadline-floor: 250ms\n  deadline-factor: 2.5\n");

        Assert.Empty(errors);
        Assert.Equal(new PassiveModel(true, 5, TimeSpan.FromMilliseconds(250), 2.5), model!.Passive);
    }

    [Fact]
    public void Bad_values_are_each_reported_with_a_fix_and_a_misspelt_key_gets_a_suggestion()
    {
        var (model, errors) = Load("passive:\n  enabled: maybe\n  destinations: 1\n  deadline-floor: 100\n  deadline-factor: lots\n  destinatons: 4\n");

        Assert.Null(model);
        var text = string.Join('\n', errors.Select(e => e.ToString()));
        Assert.Contains("'maybe'", text);
        Assert.Contains("'1' is not a number of different destinations (one dead server must never be enough) from 2 to 1000", text);
        Assert.Contains("passive.deadline-floor", text);
        Assert.Contains("passive.deadline-factor", text);
        Assert.Contains("did you mean 'destinations'", text);
        Assert.All(errors, e => Assert.True(e.Position.Line > 0));
    }

    [Fact]
    public void A_misspelt_switch_gets_a_suggestion()
    {
        var (_, errors) = Load("passive: of\n");
        Assert.Contains("did you mean 'on'?", Assert.Single(errors).ToString());
    }
}
