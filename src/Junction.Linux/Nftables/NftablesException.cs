using Junction.Linux.Interop;

namespace Junction.Linux.Nftables;

/// <summary>nftables refused commands; <see cref="Error"/> is the library's own message, as nft(8) prints it.</summary>
public sealed class NftablesException(string what, string error)
    : KernelCallException($"{what}: {Lines(error)}")
{
    public string Error { get; } = error;

    private static string Lines(string text) =>
        string.Join(" / ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(6));
}
