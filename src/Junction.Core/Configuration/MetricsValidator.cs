using System.Net;
using System.Net.Sockets;

namespace Junction.Configuration;

/// <summary>Checks <c>metrics:</c>: where the Prometheus listener binds.</summary>
internal static class MetricsValidator
{
    public static IPEndPoint? Listen(MetricsConfig metrics, ValidationContext v)
    {
        if (metrics.Listen is not { } listen)
        {
            v.Error(metrics.Position, "metrics", "has no 'listen'", "add 'listen: 127.0.0.1:9419', or remove 'metrics:' to keep the listener off");
            return null;
        }
        // An address literal and a port: a host name would make the bind depend on DNS at start.
        if (IPEndPoint.TryParse(listen.Value, out var endpoint) && endpoint.Port is >= 1 and <= 65535
            && (listen.Value.StartsWith('[') || endpoint.AddressFamily == AddressFamily.InterNetwork && listen.Value.Count(c => c == '.') == 3 && listen.Value.Contains(':')))
            return endpoint;
        v.Error(listen, "metrics.listen", $"'{listen.Value}' is not ADDRESS:PORT",
            "write e.g. 127.0.0.1:9419, or [::1]:9419 for IPv6 (an address, not a host name; port 1-65535)");
        return null;
    }
}
