using System.Net;

namespace Junction.Lab;

/// <summary>What connections <see cref="ConnectionDriver"/> opens.</summary>
public sealed record ConnectOptions
{
    public const int MaxCount = 20_000;
    public const int MaxParallel = 256;

    /// <summary>
    /// Held connections cost two descriptors each when the server runs in the same process;
    /// this keeps them well inside the usual per-process limit.
    /// </summary>
    public const int MaxHeld = 4_000;

    /// <summary>The namespace the connections start from (a lab client); null for this process's own.</summary>
    public required string? Namespace { get; init; }

    /// <summary>The lab's service (<see cref="LabTopology.Service"/>).</summary>
    public required IPEndPoint Server { get; init; }

    public int Count { get; init; } = 1;

    /// <summary>Source addresses to bind, used in turn (connection i uses Sources[i % n]); empty lets the kernel choose.</summary>
    public IReadOnlyList<IPAddress> Sources { get; init; } = [];

    /// <summary>How many connections are being opened at the same moment.</summary>
    public int Parallel { get; init; } = 32;

    /// <summary>Per connection: connecting and reading the server's line must take no longer.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Count is < 0 or > MaxCount) problems.Add($"count {Count}: use 0 to {MaxCount}");
        if (Parallel is < 1 or > MaxParallel) problems.Add($"parallel {Parallel}: use 1 to {MaxParallel}");
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(5)) problems.Add($"timeout {Timeout}: use more than 0 and at most 5 minutes");
        return problems;
    }
}
