namespace Junction.Model;

/// <summary>How a new connection picks its uplink.</summary>
public enum BalanceMode
{
    /// <summary>Smooth weighted round-robin over interleaved slots.</summary>
    RoundRobin,
    /// <summary>Weighted random.</summary>
    Random,
    /// <summary>A consistent slot table indexed by a hash of the source address.</summary>
    HashSource,
    /// <summary>A consistent slot table indexed by a hash of source and destination.</summary>
    HashSourceDestination,
}
