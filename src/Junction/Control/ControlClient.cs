using System.Net.Sockets;
using System.Text.Json;
using Junction.Explain;
using Junction.Status;

namespace Junction.Cli.Control;

/// <summary>No daemon answers on the control socket (or this user may not use it).</summary>
public sealed class DaemonUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Talks HTTP to the daemon over its Unix socket, as <c>junction status</c> and <c>explain</c> do.</summary>
public sealed class ControlClient : IDisposable
{
    private readonly HttpClient _http;

    public ControlClient(string socketPath)
    {
        SocketPath = socketPath;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        // The host name is never resolved: every connection goes to the socket.
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://junction/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string SocketPath { get; }

    public static string NotRunning(string socketPath) =>
        $"no daemon is listening on {socketPath}: start it with 'junction run -c FILE' or 'systemctl start junction'";

    public Task<StatusReport> StatusAsync(CancellationToken ct) => GetAsync<StatusReport>("v1/status", ct);

    public Task<Explanation> ExplainAsync(ConnectionQuery query, CancellationToken ct) =>
        GetAsync<Explanation>($"v1/explain?c={Uri.EscapeDataString(query.ToString())}", ct);

    /// <summary>POST /v1/operator; the daemon's refusal becomes an <see cref="InvalidOperationException"/> with its words.</summary>
    public async Task<OperatorReply> SetOperatorAsync(string uplink, string mode, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync($"v1/operator?uplink={Uri.EscapeDataString(uplink)}&mode={Uri.EscapeDataString(mode)}", null, ct);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException s)
        {
            throw Unavailable(s, e);
        }
        return await Read<OperatorReply>(response, ct);
    }

    private async Task<T> GetAsync<T>(string path, CancellationToken ct)
    {
        var response = await SendAsync(path, ct);
        return await Read<T>(response, ct);
    }

    private static async Task<T> Read<T>(HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            var message = body;
            try
            {
                using var doc = JsonDocument.Parse(body);
                message = doc.RootElement.GetProperty("error").GetString() ?? body;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
            }
            throw new InvalidOperationException((int)response.StatusCode is 400 or 409 ? message : $"the daemon answered {(int)response.StatusCode}: {message}");
        }
        return StatusJson.Deserialize<T>(body) ?? throw new InvalidOperationException("the daemon answered null");
    }

    private async Task<HttpResponseMessage> SendAsync(string path, CancellationToken ct)
    {
        try
        {
            return await _http.GetAsync(path, ct);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException s)
        {
            throw Unavailable(s, e);
        }
    }

    private DaemonUnavailableException Unavailable(SocketException s, Exception e) =>
        new(s.SocketErrorCode == SocketError.AccessDenied
            ? $"permission denied on {SocketPath}: the control socket is root's (run as root)"
            : NotRunning(SocketPath), e);

    public void Dispose() => _http.Dispose();
}
