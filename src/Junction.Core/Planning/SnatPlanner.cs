using System.Net.Sockets;
using Junction.Model;
using Junction.Planning.Nftables;

namespace Junction.Planning;

/// <summary>
/// Source NAT in two lookups whatever the number of uplinks: a verdict map sends
/// connections leaving a pool uplink to that uplink's pool chain (a NAT statement ends
/// the evaluation), and one set match masquerades everything else leaving a
/// masquerading or pool uplink.
/// </summary>
internal static class SnatPlanner
{
    public static IEnumerable<NftChain> Chains(JunctionModel model, IReadOnlyList<UplinkPlan> uplinks)
    {
        var pools = uplinks.Where(u => u.Snat.Mode == SnatMode.Pool).ToList();
        var masquerade = uplinks.Where(u => u.Snat.Mode != SnatMode.None).ToList();

        var chain = new ChainBuilder("postrouting", new NftHook("nat", "postrouting", NftHook.SourceNat, "accept"));
        foreach (var u in uplinks.Where(u => u.Snat.Mode == SnatMode.None))
            chain.Remark($"{u.Name}: snat none - connections keep their source address");
        if (pools.Count > 0)
            chain.Rule(new NftVmap(NftMeta.Oifname, pools.Select(u => new NftVmapEntry(new NftString(u.Interface), NftVerdict.Jump(u.SnatChain))).ToValueList()));
        if (masquerade.Count > 0)
        {
            var why = pools.Count == 0 ? "" : " (on pool uplinks: connections Junction did not balance)";
            chain.Commented("masquerade" + why, Nft.Is(NftMeta.Oifname, Nft.Strings(masquerade.Select(u => u.Interface))), NftMasquerade.Instance);
        }
        var keep = uplinks.Where(u => u.Snat.Mode == SnatMode.None).ToList();
        if (keep.Count > 0 && model.Local)
            // The host's own connections took their source address from the main table's route,
            // usually another uplink's; moved onto a 'snat: none' uplink they must still carry
            // one of its addresses. Forwarded connections (source not local) keep theirs.
            chain.Commented("snat none: only this host's connections with another link's source",
                Nft.Is(NftMeta.Oifname, Nft.Strings(keep.Select(u => u.Interface))),
                Nft.Is(new NftFib(["saddr"], "type"), new NftSymbol("local")),
                Nft.NotEqual(new NftFib(["saddr", "oif"], "type"), new NftSymbol("local")),
                NftMasquerade.Instance);
        yield return chain.Build();

        foreach (var u in pools)
        {
            var pool = new ChainBuilder(u.SnatChain);
            foreach (var (family, ip) in new[] { (Families.IPv4, "ip"), (Families.IPv6, "ip6") })
            {
                var addresses = u.Snat.Pool.Where(a => a.AddressFamily == (family == Families.IPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6)).ToList();
                if (addresses.Count == 0) continue;
                NftExpr pick = u.Snat.Spread switch
                {
                    PoolSpread.Random => new NftNumgen("random", addresses.Count),
                    PoolSpread.HashSource => new NftJhash(new NftPayload(ip, "saddr"), addresses.Count, Planner.HashSeed),
                    _ => new NftNumgen("inc", addresses.Count),
                };
                var map = new NftMap(pick, addresses.Select((a, i) => new NftMapEntry(new NftNumber(i), new NftAddress(a))).ToValueList());
                pool.Commented(u.Name + " pool", Nft.Equal(Nft.CtMarkBits(model.Marks.Mask), new NftMark(u.Mark)), Nft.Nfproto(family), new NftSnat(ip, map));
            }
            yield return pool.Build();
        }
    }
}
