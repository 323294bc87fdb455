namespace Junction.Cli.Commands;

internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The configuration is invalid, or the kernel refused a change (and it was rolled back).</summary>
    public const int Failed = 1;
    /// <summary>The command line itself is wrong.</summary>
    public const int Usage = 2;
}
