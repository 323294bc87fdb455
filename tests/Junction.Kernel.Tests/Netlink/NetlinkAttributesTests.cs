using System.Text;
using Junction.Linux.Netlink;

namespace Junction.Kernel.Tests.Netlink;

/// <summary>String attributes as the kernel hands them over (no kernel needed; see <see cref="NetlinkMessagesTests"/>).</summary>
public sealed class NetlinkAttributesTests
{
    [Fact]
    public void A_string_ends_at_its_first_nul_whatever_follows()
    {
        Assert.Equal("wan1", NetlinkAttributes.CString("wan1\0\0\0"u8));
        Assert.Equal("wan1", NetlinkAttributes.CString("wan1\0junk"u8));
        Assert.Equal("", NetlinkAttributes.CString("\0wan1"u8));
    }

    [Fact]
    public void A_string_without_a_nul_is_all_of_it()
    {
        Assert.Equal("junction", NetlinkAttributes.CString("junction"u8));
        Assert.Equal("", NetlinkAttributes.CString([]));
    }

    [Fact]
    public void A_string_is_utf8()
    {
        Assert.Equal("wän-ü", NetlinkAttributes.CString(Encoding.UTF8.GetBytes("wän-ü\0")));
    }
}
