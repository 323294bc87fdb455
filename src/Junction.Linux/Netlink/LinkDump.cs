using Junction.Linux.Processes;

namespace Junction.Linux.Netlink;

/// <summary>
/// Every interface and address there is now, dumped over rtnetlink and read by the same
/// parser as <see cref="RtnetlinkListener"/>'s events, so the daemon builds its view at
/// start-up and after lost events (ENOBUFS) exactly as it keeps it up to date.
/// </summary>
public static class LinkDump
{
    /// <summary>One <see cref="LinkStateChanged"/> per interface, then every address, in the namespace the runner points at.</summary>
    public static IReadOnlyList<LinkEvent> Read(CommandRunner runner)
    {
        using var client = RtnetlinkClient.Open(runner.Netns);
        return client.LinksAndAddresses();
    }
}
