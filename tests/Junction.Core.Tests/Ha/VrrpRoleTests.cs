namespace Junction.Ha.Tests;

public sealed class VrrpRoleTests
{
    [Theory]
    [InlineData("MASTER 42\n", VrrpState.Master)]
    [InlineData("BACKUP 42", VrrpState.Backup)]
    [InlineData("FAULT 42", VrrpState.Fault)]
    [InlineData("STOP 42", VrrpState.Stop)]
    public void A_report_from_a_running_keepalived_is_trusted(string text, VrrpState state)
    {
        var role = VrrpRole.Parse(text, pid => pid == 42);
        Assert.Equal(state, role.State);
        Assert.Equal(42, role.Pid);
    }

    [Fact]
    public void A_report_whose_keepalived_is_gone_is_unknown_and_says_what_it_was()
    {
        var role = VrrpRole.Parse("MASTER 42", _ => false);
        Assert.Equal(VrrpState.Unknown, role.State);
        Assert.False(role.IsMaster);
        Assert.Contains("last reported MASTER", role.Detail);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("MASTER")]
    [InlineData("1 42")]
    [InlineData("master forty-two")]
    [InlineData("UNKNOWN 42")]
    [InlineData("MASTER 42 extra")]
    public void Anything_else_is_unknown(string? text) =>
        Assert.Equal(VrrpState.Unknown, VrrpRole.Parse(text, _ => true).State);
}
