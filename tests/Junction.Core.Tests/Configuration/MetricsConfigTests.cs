using System.Net;

namespace Junction.Configuration.Tests;

/// <summary><c>metrics: { listen: ADDRESS:PORT }</c>: off unless given, and every bad value reported.</summary>
public sealed class MetricsConfigTests
{
    private const string Uplinks = """
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.11.0.1 }

        """;

    private static (Model.JunctionModel? Model, IReadOnlyList<ConfigError> Errors) Load(string yaml) =>
        ConfigLoader.TryLoadText(yaml, "test.yaml");

    [Fact]
    public void Without_metrics_no_listener_is_configured() =>
        Assert.Null(Load(Uplinks).Model!.MetricsListen);

    [Fact]
    public void An_empty_metrics_key_leaves_the_listener_off() =>
        Assert.Null(Load(Uplinks + "metrics:\n").Model!.MetricsListen);

    [Theory]
    [InlineData("127.0.0.1:9419", "127.0.0.1", 9419)]
    [InlineData("0.0.0.0:9100", "0.0.0.0", 9100)]
    [InlineData("\"[::1]:9419\"", "::1", 9419)]
    public void Listen_takes_an_address_and_a_port(string value, string address, int port)
    {
        var (model, errors) = Load(Uplinks + $"metrics: {{ listen: {value} }}\n");
        Assert.Empty(errors);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), model!.MetricsListen);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost:9419")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("9419")]
    [InlineData("\"::1:9419\"")]
    public void A_bad_listen_value_is_reported_with_its_position_and_a_fix(string value)
    {
        var (model, errors) = Load(Uplinks + $"metrics:\n  listen: {value}\n");
        Assert.Null(model);
        var e = Assert.Single(errors);
        Assert.Equal("metrics.listen", e.Entity);
        Assert.Equal(new SourcePosition(4, 11), e.Position);
        Assert.Contains("127.0.0.1:9419", e.Fix);
    }

    [Fact]
    public void Metrics_without_listen_is_an_error()
    {
        var e = Assert.Single(Load(Uplinks + "metrics: {}\n").Errors);
        Assert.Equal("metrics", e.Entity);
        Assert.Contains("listen", e.Problem);
    }

    [Fact]
    public void An_unknown_key_under_metrics_suggests_listen()
    {
        var errors = Load(Uplinks + "metrics: { lisen: 127.0.0.1:9419 }\n").Errors;
        Assert.Contains(errors, e => e.Fix?.Contains("did you mean 'listen'") == true);
    }
}
