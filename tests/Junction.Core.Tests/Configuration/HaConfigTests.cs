using Junction.Model;

namespace Junction.Configuration.Tests;

/// <summary><c>ha:</c>: off unless given; its directory reaches keepalived's files, so only plain paths pass.</summary>
public sealed class HaConfigTests
{
    private const string Uplinks = """
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.11.0.1 }

        """;

    private static (JunctionModel? Model, IReadOnlyList<ConfigError> Errors) Load(string yaml) =>
        ConfigLoader.TryLoadText(yaml, "test.yaml");

    [Fact]
    public void Without_ha_the_router_stands_alone() => Assert.Null(Load(Uplinks).Model!.Ha);

    [Fact]
    public void An_empty_ha_key_takes_every_default()
    {
        var ha = Load(Uplinks + "ha:\n").Model!.Ha!;
        Assert.Equal(HaModel.DefaultStateDirectory, ha.StateDirectory);
        Assert.Equal(HaModel.DefaultFlushDelay, ha.FlushDelay);
        Assert.Equal(HaModel.DefaultHoldAfterStart, ha.HoldAfterStart);
        Assert.Equal("/run/junction/ha/health", ha.HealthFile);
        Assert.Equal("/run/junction/ha/vrrp", ha.RoleFile);
    }

    [Fact]
    public void State_dir_and_flush_delay_are_read()
    {
        var (model, errors) = Load(Uplinks + "ha: { state-dir: /run/lab/r1/, flush-delay: 500ms, hold-after-start: 3s }\n");
        Assert.Empty(errors);
        Assert.Equal(new HaModel("/run/lab/r1", TimeSpan.FromMilliseconds(500)) { HoldAfterStart = TimeSpan.FromSeconds(3) }, model!.Ha);
    }

    [Theory]
    [InlineData("relative/dir")]
    [InlineData("\"/run/a b\"")]
    [InlineData("\"/run/$(reboot)\"")]
    [InlineData("/run/../etc")]
    [InlineData("\"/run/x\\\"y\"")]
    public void A_state_dir_that_is_not_a_plain_absolute_path_is_refused(string value)
    {
        var (model, errors) = Load(Uplinks + $"ha: {{ state-dir: {value} }}\n");
        Assert.Null(model);
        var error = Assert.Single(errors);
        Assert.Equal("ha.state-dir", error.Entity);
        Assert.Contains("absolute path", error.Problem);
    }

    [Fact]
    public void Unknown_keys_and_bad_delays_are_all_reported()
    {
        var (model, errors) = Load(Uplinks + "ha: { flush-delay: 2, priority: 100 }\n");
        Assert.Null(model);
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Entity == "ha.flush-delay");
        Assert.Contains(errors, e => e.Problem.Contains("priority"));
    }
}
