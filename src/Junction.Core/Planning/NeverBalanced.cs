using System.Net;
using System.Net.Sockets;
using Junction.Model;

namespace Junction.Planning;

/// <summary>A destination network Junction never balances, whatever the configuration says, and what it is.</summary>
public sealed record NeverBalancedNetwork(IPNetwork Network, string What)
{
    public bool IPv4 => Network.BaseAddress.AddressFamily == AddressFamily.InterNetwork;

    /// <summary>
    /// The networks, each family in the order the table lists them. The planner writes them
    /// into the <c>choose</c> chain and explain reads them from there.
    /// </summary>
    public static readonly ValueList<NeverBalancedNetwork> All =
    [
        new(IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        new(IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        new(IPNetwork.Parse("224.0.0.0/3"), "multicast or reserved"),
        new(IPNetwork.Parse("::1/128"), "loopback"),
        new(IPNetwork.Parse("fe80::/10"), "link-local"),
        new(IPNetwork.Parse("ff00::/8"), "multicast"),
    ];
}
