namespace Junction.Configuration.Tests;

/// <summary>Interface names as the kernel's dev_valid_name takes them, plus what the tools cannot carry.</summary>
public sealed class InterfaceNameTests
{
    [Theory]
    [InlineData("eth0")]
    [InlineData("eth0.100")]
    [InlineData("br-lan")]
    [InlineData("wg@home+1")]
    [InlineData("a;}{$x,!~")]
    [InlineData("123456789012345")]
    [InlineData("ü")]
    [InlineData("..a")]
    public void Names_the_kernel_takes_are_valid(string name) => Assert.Null(InterfaceName.Problem(name));

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("1234567890123456", "16 bytes long")]
    [InlineData("ééééééé12", "16 bytes long")]
    [InlineData(".", "'.' or '..'")]
    [InlineData("..", "'.' or '..'")]
    [InlineData("a/b", "'/'")]
    [InlineData("eth0:1", "':'")]
    [InlineData("a b", "whitespace")]
    [InlineData("a\tb", "whitespace")]
    [InlineData("a\nb", "whitespace")]
    [InlineData("a\vb", "whitespace")]
    [InlineData("a\0b", "NUL")]
    [InlineData("à", "0xA0")]
    [InlineData("a\x1b[2J", "control character 0x1b")]
    [InlineData("a\x7f", "control character 0x7f")]
    [InlineData("eth%d", "template")]
    [InlineData("a\"}accept;drop#", "'\"'")]
    [InlineData("a'b", "'''")]
    [InlineData("a\\b", "'\\'")]
    [InlineData("eth*", "'*'")]
    [InlineData("a#b", "'#'")]
    [InlineData("a=b", "'='")]
    public void Names_the_kernel_or_the_tools_would_misread_are_refused(string name, string why)
    {
        var problem = InterfaceName.Problem(name);
        Assert.NotNull(problem);
        Assert.Contains(why, problem);
    }

    [Fact]
    public void The_issues_injection_is_refused_with_its_position()
    {
        var (model, errors) = ConfigLoader.TryLoadText("lan: ['a\"}accept;drop#']\nuplinks:\n  - { name: isp1, interface: wan1 }\n", "t.yaml");
        Assert.Null(model);
        var e = Assert.Single(errors);
        Assert.Equal(new SourcePosition(1, 7), e.Position);
        Assert.Equal("lan", e.Entity);
    }

    [Fact]
    public void An_uplink_interface_is_checked_the_same_way()
    {
        var (_, errors) = ConfigLoader.TryLoadText("uplinks:\n  - { name: isp1, interface: 'wan1 drop' }\n", "t.yaml");
        var e = Assert.Single(errors);
        Assert.Equal("uplink 'isp1'.interface", e.Entity);
        Assert.Contains("whitespace", e.Problem);
    }
}
