using Junction.Kernel.Tests.Support;
using Junction.Linux.Netlink;

namespace Junction.Kernel.Tests.Netlink;

/// <summary>
/// Interfaces found by name, one request each, so a short-path apply that writes an uplink's
/// routes does not dump every interface of a router that has thousands.
/// </summary>
public sealed class LinksNamedTests
{
    [Fact]
    public void Each_name_is_found_with_the_index_the_kernel_gave_it_and_unknown_names_are_left_out()
    {
        using var ns = TestNamespace.Create().Uplinks();
        // Many other interfaces, none of which is read.
        for (var i = 0; i < 50; i++) ns.Interface($"ppp{i}");
        using var client = RtnetlinkClient.Open(ns.Name);
        var all = client.LinkNames();

        var found = client.LinksNamed(["wan2", "lan0", "wan2", "nosuch0", "ppp4"]);

        Assert.Equal(3, found.Count);
        foreach (var (index, name) in found) Assert.Equal(all[index], name);
        Assert.Equal(["lan0", "ppp4", "wan2"], found.Values.Order(StringComparer.Ordinal));
        Assert.Empty(client.LinksNamed([]));
    }

    [Fact]
    public void A_name_longer_than_the_kernel_allows_is_not_found_rather_than_an_error()
    {
        using var ns = TestNamespace.Create().Uplinks();
        using var client = RtnetlinkClient.Open(ns.Name);

        Assert.Empty(client.LinksNamed(["an-interface-name-far-too-long"]));
    }
}
