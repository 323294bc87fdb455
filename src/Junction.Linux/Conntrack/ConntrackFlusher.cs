using System.Globalization;
using System.Text.RegularExpressions;
using Junction.Linux.Processes;
using Junction.Model;

namespace Junction.Linux.Conntrack;

/// <summary>
/// Deletes the conntrack entries of one uplink, selected by its bits of the mark
/// (<c>conntrack -D --mark VALUE/MASK</c>), never the whole table: connections on the
/// healthy uplinks, and anything other tools marked, are left alone. A deleted entry's
/// next packet is seen as new and balanced onto a healthy uplink; for TCP that means the
/// far end answers with a reset, so programs notice at once instead of after minutes of
/// retransmissions into a dead link.
/// </summary>
public sealed partial class ConntrackFlusher(CommandRunner runner)
{
    /// <summary>Entries deleted, over the families given.</summary>
    /// <exception cref="CommandFailedException">conntrack failed for another reason than finding nothing.</exception>
    public int Flush(uint mark, uint mask, Families families)
    {
        var deleted = 0;
        foreach (var family in new[] { Families.IPv4, Families.IPv6 }.Where(f => families.HasFlag(f)))
        {
            var result = runner.Run("conntrack", "-D", "-f", family == Families.IPv6 ? "ipv6" : "ipv4",
                "--mark", $"0x{mark:x}/0x{mask:x}");
            deleted += Deleted(result) ?? throw new CommandFailedException(result);
        }
        return deleted;
    }

    /// <summary>
    /// How many entries conntrack says it deleted; null when it failed. It exits 1 when
    /// nothing matched ("0 flow entries have been deleted"), which is not an error here.
    /// </summary>
    internal static int? Deleted(CommandResult result)
    {
        var match = DeletedLine().Match(result.Stderr + "\n" + result.Stdout);
        if (!match.Success) return result.Ok ? 0 : null;
        var n = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return result.Ok || n == 0 ? n : null;
    }

    [GeneratedRegex(@"(\d+) flow entries have been deleted")]
    private static partial Regex DeletedLine();
}
