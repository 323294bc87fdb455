namespace Junction.Configuration.Tests;

public sealed class PrintableTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\0b", "a\\0b")]
    [InlineData("\x1b[31mred", "\\e[31mred")]
    [InlineData("two\nlines\r", "two\\nlines\\r")]
    [InlineData("del\x7f", "del\\x7f")]
    [InlineData("c1\u009b", "c1\\x9b")]
    [InlineData("bidi\u202eevil", "bidi\\u202eevil")]
    [InlineData("ünï", "ünï")]
    public void Control_and_format_characters_are_escaped(string text, string printed) =>
        Assert.Equal(printed, Printable.Escape(text));

    [Fact]
    public void A_config_error_that_echoes_raw_bytes_prints_them_escaped()
    {
        var (_, errors) = ConfigLoader.TryLoadText("balance: \"x\\e[2J\\0\"\nuplinks:\n  - { name: isp1, interface: wan1 }\n", "t.yaml");
        var e = Assert.Single(errors);
        var text = e.ToString();

        Assert.Contains("'x\\e[2J\\0' is not a valid value", text);
        Assert.DoesNotContain(text, c => char.IsControl(c));
    }
}
