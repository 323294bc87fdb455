using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Junction.Linux.Namespaces;

namespace Junction.Lab;

/// <summary>
/// The lab's TCP service. For each connection it writes one line, the source
/// <c>address:port</c> it sees, then echoes whatever the client sends until the client
/// closes. The address tells which uplink the connection used; the echo lets a test prove
/// a long-lived connection still carries data end to end, through every NAT on the way.
/// </summary>
public sealed class LabServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly Task _accepting;
    private int _accepted;

    private LabServer(Socket listener)
    {
        _listener = listener;
        Endpoint = (IPEndPoint)listener.LocalEndPoint!;
        _accepting = AcceptLoop();
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Connections open right now.</summary>
    public int Open => _open.Count;

    /// <summary>Ends when the server stops (disposed) or its listener fails.</summary>
    public Task Completion => _accepting;

    /// <summary>
    /// Listens on <paramref name="endpoint"/>, inside network namespace <paramref name="netns"/>
    /// when given (the listening socket is made there; the process stays where it is).
    /// </summary>
    public static LabServer Start(IPEndPoint endpoint, string? netns = null)
    {
        Socket Listen()
        {
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(endpoint);
                socket.Listen(1024);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        return new LabServer(netns is null ? Listen() : NamespaceThread.Run(netns, Listen));
    }

    /// <summary>Starts the service in the lab's server namespace, on the lab's service address.</summary>
    public static LabServer Start(LabTopology topology) => Start(topology.Service, topology.ServerNamespace);

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
            Interlocked.Increment(ref _accepted);
            _open[connection] = 0;
            _ = Serve(connection);
        }
    }

    private async Task Serve(Socket connection)
    {
        try
        {
            var seen = (IPEndPoint)connection.RemoteEndPoint!;
            await connection.SendAsync(Encoding.ASCII.GetBytes($"{seen.Address}:{seen.Port}\n"), SocketFlags.None, _stop.Token);
            var buffer = new byte[4096];
            while (true)
            {
                var n = await connection.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0) break;
                await connection.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (SocketException)
        {
            // A client that resets or vanishes is the client's business, not the server's.
        }
        finally
        {
            _open.TryRemove(connection, out _);
            connection.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync();
        _listener.Dispose();
        foreach (var connection in _open.Keys)
            connection.Dispose();
        await _accepting;
        _stop.Dispose();
    }
}
