using System.Globalization;
using System.Net;
using Junction.Explain;

namespace Junction.Bench.KernelIo;

/// <summary>The way status read conntrack before: the text of `conntrack -L -o extended`, kept here only to measure it beside the new way.</summary>
internal static class ConntrackText
{
    public static IEnumerable<TrackedConnection> Parse(string text)
    {
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (ParseLine(line) is { } entry) yield return entry;
    }

    public static TrackedConnection? ParseLine(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 4 || words[0] is not ("ipv4" or "ipv6")) return null;
        var protocol = words[2];
        string? state = null;
        var src = new List<IPAddress>();
        var dst = new List<IPAddress>();
        var sport = new List<int>();
        var dport = new List<int>();
        uint mark = 0;
        foreach (var w in words.Skip(4))
        {
            var eq = w.IndexOf('=');
            if (eq < 0)
            {
                // The state word (ESTABLISHED, TIME_WAIT, ...) comes before the first tuple.
                if (src.Count == 0 && w.All(c => char.IsAsciiLetterUpper(c) || c == '_')) state = w;
                continue;
            }
            var (key, value) = (w[..eq], w[(eq + 1)..]);
            switch (key)
            {
                case "src" when IPAddress.TryParse(value, out var a): src.Add(a); break;
                case "dst" when IPAddress.TryParse(value, out var a): dst.Add(a); break;
                case "sport" when int.TryParse(value, CultureInfo.InvariantCulture, out var p): sport.Add(p); break;
                case "dport" when int.TryParse(value, CultureInfo.InvariantCulture, out var p): dport.Add(p); break;
                case "mark" when uint.TryParse(value, CultureInfo.InvariantCulture, out var m): mark = m; break;
            }
        }
        if (src.Count < 2 || dst.Count < 2) return null;
        int? Port(List<int> ports, int i) => ports.Count == 2 ? ports[i] : null;
        return new TrackedConnection(protocol, state, src[0], Port(sport, 0), dst[0], Port(dport, 0),
            src[1], dst[1], Port(sport, 1), Port(dport, 1), mark);
    }
}
