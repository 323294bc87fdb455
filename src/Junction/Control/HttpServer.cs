using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Junction.Status;

namespace Junction.Cli.Control;

/// <summary>An answer: status, content type and the whole body (every answer is small and sent with a Content-Length).</summary>
internal sealed record HttpResponse(int Status, string? ContentType = null, byte[]? Body = null, string? Allow = null)
{
    public static HttpResponse Json<T>(T value, int status = 200) =>
        new(status, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(value, StatusJson.Info<T>()));

    public static HttpResponse Text(string text, string contentType) => new(200, contentType, Encoding.UTF8.GetBytes(text));
}

/// <summary>One endpoint: a method and a path (matched without regard to case, a trailing '/' allowed).</summary>
internal sealed record HttpRoute(string Method, string Path, Func<HttpRequest, Task<HttpResponse>> Handler);

/// <summary>
/// The control socket's and the metrics listener's HTTP/1.1 server: one accept loop, at most
/// <c>maxConnections</c> connections (one more is accepted and closed at once), each served by
/// one task that reads a request head into a pooled buffer, answers it and waits for the next
/// (keep-alive, and pipelined requests in order). A connection is closed when its head takes
/// longer than <see cref="ListenerLimits.RequestHeadersTimeout"/>, when it sits idle past
/// <see cref="ListenerLimits.KeepAliveTimeout"/>, when a head or body breaks a limit of
/// <see cref="HttpRequestParser"/> (after a 4xx/5xx), and when the client does not take an answer
/// within <see cref="ListenerLimits.KeepAliveTimeout"/>. No thread of its own: the runtime's socket
/// engine wakes it, so an idle server costs nothing but its buffers while connections are open.
/// </summary>
internal sealed class HttpServer : IAsyncDisposable
{
    private const int Backlog = 512;
    private readonly Socket _listener;
    private readonly IReadOnlyList<HttpRoute> _routes;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Task> _connections = [];
    private readonly Task _accepting;

    private HttpServer(Socket listener, int maxConnections, IReadOnlyList<HttpRoute> routes)
    {
        _listener = listener;
        _routes = routes;
        _slots = new SemaphoreSlim(maxConnections, maxConnections);
        _accepting = AcceptAsync();
    }

    public EndPoint LocalEndPoint => _listener.LocalEndPoint!;

    /// <summary>Binds a Unix socket at <paramref name="path"/>, mode 0600 before anyone can connect, and serves it.</summary>
    public static HttpServer ListenUnix(string path, int maxConnections, IReadOnlyList<HttpRoute> routes)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            socket.Listen(Backlog);
            return new HttpServer(socket, maxConnections, routes);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Binds TCP on <paramref name="endpoint"/> (port 0: any free port; [::] takes IPv4 too) and serves it.</summary>
    public static HttpServer ListenTcp(IPEndPoint endpoint, int maxConnections, IReadOnlyList<HttpRoute> routes)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.Address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.Bind(endpoint);
            socket.Listen(Backlog);
            return new HttpServer(socket, maxConnections, routes);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // Out of descriptors or a connection reset before it was taken: wait a little
                // rather than spin; the limits free descriptors within seconds.
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            if (!_slots.Wait(0))
            {
                client.Dispose();   // over the limit: closed at once, as Kestrel did
                continue;
            }
            Track(ServeAsync(client));
        }
    }

    private void Track(Task connection)
    {
        lock (_connections) _connections.Add(connection);
        connection.ContinueWith(t =>
        {
            lock (_connections) _connections.Remove(t);
        }, TaskScheduler.Default);
    }

    private async Task ServeAsync(Socket socket)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(HttpRequestParser.MaxHead);
        try
        {
            var filled = 0;
            var first = true;
            while (true)
            {
                using var reading = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                if (!first && filled == 0)
                {
                    reading.CancelAfter(ListenerLimits.KeepAliveTimeout);
                    var n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, reading.Token);
                    if (n == 0) return;
                    filled = n;
                }
                first = false;
                // From the first byte (of the connection, or of the next request) the whole head has 5 s.
                reading.CancelAfter(ListenerLimits.RequestHeadersTimeout);
                HttpRequest? request;
                int consumed;
                HttpRefusal? refusal;
                while (!HttpRequestParser.TryParse(buffer.AsSpan(0, filled), out request, out consumed, out refusal))
                {
                    if (refusal is { } bad)
                    {
                        await SendAsync(socket, new HttpResponse(bad.Status), keepAlive: false);
                        return;
                    }
                    var n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, reading.Token);
                    if (n == 0) return;
                    filled += n;
                }
                // The body no endpoint reads (at most MaxBody bytes): skipped, within the same 5 s.
                var body = request!.ContentLength;
                var inBuffer = (int)Math.Min(body, filled - consumed);
                consumed += inBuffer;
                body -= inBuffer;
                if (body > 0 && request.ExpectContinue) await socket.SendAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), SocketFlags.None, reading.Token);
                while (body > 0)
                {
                    var n = await socket.ReceiveAsync(buffer.AsMemory(0, (int)Math.Min(body, buffer.Length)), SocketFlags.None, reading.Token);
                    if (n == 0) return;
                    body -= n;
                }
                // Pipelined bytes of the next request move to the front.
                Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                filled -= consumed;

                var response = await AnswerAsync(request);
                var keepAlive = request.KeepAlive && !_stop.IsCancellationRequested;
                if (!await SendAsync(socket, response, keepAlive) || !keepAlive) return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // A timeout, a stop, or a client gone: the connection just closes.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            socket.Dispose();
            _slots.Release();
        }
    }

    private async Task<HttpResponse> AnswerAsync(HttpRequest request)
    {
        var path = request.Path.Length > 1 && request.Path.EndsWith('/') ? request.Path[..^1] : request.Path;
        HttpRoute? onPath = null;
        foreach (var route in _routes)
        {
            if (!route.Path.Equals(path, StringComparison.OrdinalIgnoreCase)) continue;
            onPath = route;
            if (!route.Method.Equals(request.Method, StringComparison.OrdinalIgnoreCase)) continue;
            try
            {
                return await route.Handler(request);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return new HttpResponse(500);   // as Kestrel answered an endpoint that threw
            }
        }
        return onPath is null ? new HttpResponse(404) : new HttpResponse(405, Allow: onPath.Method);
    }

    /// <summary>Writes the answer; false when the client did not take it in time.</summary>
    private static async Task<bool> SendAsync(Socket socket, HttpResponse response, bool keepAlive)
    {
        var body = response.Body ?? [];
        var head = new StringBuilder(160)
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.Status} {Reason(response.Status)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n");
        if (response.ContentType is { } type) head.Append(CultureInfo.InvariantCulture, $"Content-Type: {type}\r\n");
        if (response.Allow is { } allow) head.Append(CultureInfo.InvariantCulture, $"Allow: {allow}\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Date: {DateTime.UtcNow:R}\r\n");
        if (!keepAlive) head.Append("Connection: close\r\n");
        head.Append("\r\n");
        var bytes = new byte[Encoding.ASCII.GetByteCount(head.ToString()) + body.Length];
        var at = Encoding.ASCII.GetBytes(head.ToString(), bytes);
        body.CopyTo(bytes, at);
        using var writing = new CancellationTokenSource(ListenerLimits.KeepAliveTimeout);
        try
        {
            var sent = 0;
            while (sent < bytes.Length) sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, writing.Token);
            if (!keepAlive) await LingerAsync(socket);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Ends the sending side and reads what the client still sends (a body not read, pipelined
    /// requests) for at most a second: closing with unread bytes would reset a TCP connection, and
    /// the client could lose the answer it has not read yet.
    /// </summary>
    private static async Task LingerAsync(Socket socket)
    {
        socket.Shutdown(SocketShutdown.Send);
        using var linger = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var sink = new byte[1024];
        for (var total = 0; total < 64 * 1024;)
        {
            var n = await socket.ReceiveAsync(sink, SocketFlags.None, linger.Token);
            if (n == 0) return;
            total += n;
        }
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    };

    /// <summary>Stops accepting, ends idle connections, and waits for the answers in progress.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        Task[] open;
        lock (_connections) open = [.. _connections];
        await Task.WhenAll(open);
        _stop.Dispose();
        _slots.Dispose();
    }
}
