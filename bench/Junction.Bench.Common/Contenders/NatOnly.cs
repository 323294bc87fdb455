using Junction.Bench.Lab;

namespace Junction.Bench.Contenders;

/// <summary>No balancing, only what every contender has in common: conntrack and masquerade on the uplinks.</summary>
public sealed class NatOnly : IContender
{
    public string Name => "NAT only";
    public string Description => "main default via ISP 1 and nft `oifname \"wan*\" masquerade`: conntrack and NAT, no balancing";

    public void Install(BenchLab lab, RouterSetup setup) => Masquerade(lab);

    /// <summary>One nft rule masquerading everything that leaves by any uplink (what multipath users add too).</summary>
    public static void Masquerade(BenchLab lab) =>
        lab.Router.Run("nft", ["-f", "-"], stdin: """
            table ip benchnat {
                chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    oifname "wan*" masquerade
                }
            }

            """).Check();
}
