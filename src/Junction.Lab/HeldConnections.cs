using System.Net.Sockets;
using System.Text;

namespace Junction.Lab;

/// <summary>
/// Connections the driver opened and keeps open until disposed, for tests of long-lived
/// connections (they must survive reloads and other uplinks failing).
/// </summary>
public sealed class HeldConnections : IAsyncDisposable
{
    private readonly Socket?[] _sockets;

    internal HeldConnections(IReadOnlyList<ConnectionOutcome> outcomes, Socket?[] sockets)
    {
        Outcomes = outcomes;
        _sockets = sockets;
    }

    /// <summary>The open sockets, by index; null where the connection failed.</summary>
    internal IReadOnlyList<Socket?> Sockets => _sockets;

    /// <summary>One per requested connection, in order; the failed ones hold no socket.</summary>
    public IReadOnlyList<ConnectionOutcome> Outcomes { get; }

    /// <summary>
    /// Sends a line on every open connection and waits for the server's echo: true where
    /// the connection still carries data both ways, false where it failed or never opened.
    /// </summary>
    public async Task<IReadOnlyList<bool>> EchoAsync(TimeSpan timeout, CancellationToken cancel = default)
    {
        var checks = _sockets.Select((socket, i) => socket is null ? Task.FromResult(false) : Echo(socket, $"ping {i}", timeout, cancel));
        return await Task.WhenAll(checks);
    }

    private static async Task<bool> Echo(Socket socket, string text, TimeSpan timeout, CancellationToken cancel)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(text + "\n"), SocketFlags.None, deadline.Token);
            return await ConnectionDriver.ReadLineAsync(socket, deadline.Token) == text;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            if (cancel.IsCancellationRequested) throw;
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var socket in _sockets)
            socket?.Dispose();
        return ValueTask.CompletedTask;
    }
}
