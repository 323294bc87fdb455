namespace Junction.Metrics.Tests;

public sealed class PrometheusWriterTests
{
    [Fact]
    public void A_family_has_help_type_and_labelled_samples()
    {
        var text = new PrometheusWriter()
            .Family("junction_uplink_up", MetricType.Gauge, "1 when up.")
            .Sample(1, ("uplink", "isp1"), ("interface", "wan1"))
            .Sample(0, ("uplink", "isp2"), ("interface", "wan2"))
            .ToString();
        Assert.Equal(
            "# HELP junction_uplink_up 1 when up.\n# TYPE junction_uplink_up gauge\n" +
            "junction_uplink_up{uplink=\"isp1\",interface=\"wan1\"} 1\njunction_uplink_up{uplink=\"isp2\",interface=\"wan2\"} 0\n", text);
    }

    [Fact]
    public void Label_values_and_help_are_escaped()
    {
        var text = new PrometheusWriter()
            .Family("x_total", MetricType.Counter, "back\\slash\nnewline \"quotes\" stay")
            .Sample(3, ("l", "a\"b\\c\nd"))
            .ToString();
        Assert.Contains("# HELP x_total back\\\\slash\\nnewline \"quotes\" stay\n", text);
        Assert.Contains("x_total{l=\"a\\\"b\\\\c\\nd\"} 3\n", text);
    }

    [Theory]
    [InlineData(0.0012, "0.0012")]
    [InlineData(1e21, "1E+21")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(-2.5, "-2.5")]
    public void Numbers_use_the_formats_spelling(double v, string text) => Assert.Equal(text, PrometheusWriter.Number(v));

    [Theory]
    [InlineData("junction_x_total", MetricType.Gauge)]
    [InlineData("junction_x", MetricType.Counter)]
    [InlineData("9junction", MetricType.Gauge)]
    [InlineData("junction-x", MetricType.Gauge)]
    public void Bad_names_are_refused(string name, MetricType type) =>
        Assert.Throws<ArgumentException>(() => new PrometheusWriter().Family(name, type, "h"));

    [Fact]
    public void Bad_label_names_and_repeated_families_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new PrometheusWriter().Family("a", MetricType.Gauge, "h").Sample(1, ("__name", "x")));
        Assert.Throws<ArgumentException>(() => new PrometheusWriter().Family("a", MetricType.Gauge, "h").Family("a", MetricType.Gauge, "h"));
    }
}
