using Junction.Linux.Processes;
using Junction.Model;

namespace Junction.Linux.Conntrack;

/// <summary>
/// Deletes the conntrack entries of one uplink, selected by its bits of the mark, never
/// the whole table: connections on the healthy uplinks, and anything other tools marked,
/// are left alone. The kernel filters by mark itself (one ctnetlink delete request, see
/// <see cref="ConntrackNetlink"/>). A deleted entry's next packet is seen as new and
/// balanced onto a healthy uplink; for TCP that means the far end answers with a reset, so
/// programs notice at once instead of after minutes of retransmissions into a dead link.
/// </summary>
public sealed class ConntrackFlusher(IConntrack conntrack)
{
    /// <summary>Flushes in the namespace the runner points at.</summary>
    public ConntrackFlusher(CommandRunner runner) : this(new ConntrackNetlink(runner.Netns)) { }

    /// <summary>Entries deleted, over the families given.</summary>
    /// <exception cref="Interop.KernelCallException">the kernel refused the delete.</exception>
    public int Flush(uint mark, uint mask, Families families) => conntrack.Delete(mark, mask, families);
}
