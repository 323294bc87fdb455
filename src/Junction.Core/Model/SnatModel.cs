using System.Net;

namespace Junction.Model;

public enum SnatMode { Masquerade, None, Pool }

/// <summary>How a pool's addresses are spread over new connections.</summary>
public enum PoolSpread { RoundRobin, Random, HashSource }

/// <summary>Source NAT for connections leaving through one uplink.</summary>
public sealed record SnatModel(SnatMode Mode, IReadOnlyList<IPAddress> Pool, PoolSpread Spread)
{
    public static readonly SnatModel Masquerade = new(SnatMode.Masquerade, [], PoolSpread.RoundRobin);
    public static readonly SnatModel None = new(SnatMode.None, [], PoolSpread.RoundRobin);
}
