using System.Net;
using System.Net.Sockets;
using System.Text;
using Junction.Linux.Namespaces;

namespace Junction.Bench.Lab;

/// <summary>
/// The smallest HTTP server wrk can load: reads a request, answers 200 with 'ok' and
/// <c>Connection: close</c>, closes. Every request is a new TCP connection, so wrk's
/// requests per second are new connections per second through the router.
/// </summary>
public sealed class HttpOkServer : IAsyncDisposable
{
    private static readonly byte[] Response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private HttpOkServer(Socket listener)
    {
        _listener = listener;
        _accepting = AcceptLoop();
    }

    public static HttpOkServer Start(IPEndPoint endpoint, string netns) => new(NamespaceThread.Run(netns, () =>
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(endpoint);
        socket.Listen(4096);
        return socket;
    }));

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Serve(connection);
        }
    }

    private async Task Serve(Socket connection)
    {
        using (connection)
        {
            try
            {
                // wrk's request fits one segment; it must be read, or closing would send a reset.
                var buffer = new byte[2048];
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                deadline.CancelAfter(TimeSpan.FromSeconds(5));
                var n = await connection.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                if (n == 0) return;
                await connection.SendAsync(Response, SocketFlags.None, deadline.Token);
                connection.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
    }
}
