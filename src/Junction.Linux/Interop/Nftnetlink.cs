namespace Junction.Linux.Interop;

/// <summary>
/// nftables over nfnetlink (linux/netfilter/nf_tables.h): the few messages and attributes
/// Junction reads itself; everything it writes goes through <see cref="Libnftables"/>.
/// Attribute values are big-endian on the wire.
/// </summary>
internal static class Nftnetlink
{
    /// <summary>
    /// NFT_MSG_NEWGEN: the end of every committed transaction, not a change of its own; and the
    /// answer to NFT_MSG_GETGEN, the ruleset's generation.
    /// </summary>
    public const ushort MsgNewGen = 15, MsgGetGen = 16;

    /// <summary>NFTA_GEN_ID: the generation in an NFT_MSG_NEWGEN.</summary>
    public const ushort GenId = 1;

    /// <summary>NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE ...: attribute 1 names the table in every nftables message.</summary>
    public const ushort TableAttribute = 1;

    /// <summary>NFNLGRP_NFTABLES: the change notifications group, for NETLINK_ADD_MEMBERSHIP.</summary>
    public const int GroupNftables = 7;
}
