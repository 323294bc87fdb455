using Junction.Planning;

namespace Junction.Cli.Daemon;

/// <summary>When flushing a failed uplink's connections would only make things worse.</summary>
internal static class FlushGuard
{
    /// <summary>
    /// True when the kernel's plan has no healthy uplink: a flushed connection would only be
    /// re-made through the main table, over links just as dead, so nothing is flushed (the
    /// flush stays owed until an uplink is back).
    /// </summary>
    public static bool NowhereBetter(DesiredState? applied) => applied is { Fallback: true };
}
