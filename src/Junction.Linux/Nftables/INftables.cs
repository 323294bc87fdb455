namespace Junction.Linux.Nftables;

/// <summary>What one run of nftables commands printed; <see cref="Error"/> holds the library's messages.</summary>
public sealed record NftResult(bool Ok, string Output, string Error)
{
    /// <summary>Throws <see cref="NftablesException"/> with the library's words unless the commands ran.</summary>
    public NftResult Check(string what) => Ok ? this : throw new NftablesException(what, Error);

    /// <summary>A table or chain that is not there: nftables says ENOENT's words.</summary>
    public bool NotFound => !Ok && Error.Contains("No such file or directory", StringComparison.Ordinal);
}

/// <summary>nftables as Junction uses it: command text in, one transaction per call.</summary>
public interface INftables
{
    /// <summary>Runs the commands (a whole script is one transaction); list commands print JSON when asked.</summary>
    NftResult Run(string commands, bool json = false);
}
