namespace Junction.Cli.Commands;

internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The configuration is invalid, or the kernel refused a change (and it was rolled back).</summary>
    public const int Failed = 1;
    /// <summary>The command line itself is wrong.</summary>
    public const int Usage = 2;
    /// <summary>
    /// Another Junction process holds the network namespace's lock (a daemon, a pending
    /// confirm, or an apply/flush that did not finish in time): nothing was changed.
    /// </summary>
    public const int Busy = 3;
}
