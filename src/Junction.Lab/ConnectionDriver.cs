using System.Net;
using System.Net.Sockets;
using System.Text;
using Junction.Linux.Namespaces;

namespace Junction.Lab;

/// <summary>
/// Opens real TCP connections from a lab namespace to the lab's server and reports, for
/// each, the source the server saw. Sockets are created inside the namespace (setns on a
/// short-lived thread) and driven from this process, so a few hundred connections take
/// a fraction of a second and need no helper process. Every connection has a deadline and
/// the count is bounded, so the driver always stops by itself.
/// </summary>
public static class ConnectionDriver
{
    private const int MaxLine = 256;

    /// <summary>
    /// Opens each connection, reads the server's line, closes it: at most
    /// <see cref="ConnectOptions.Parallel"/> are open at once, however many are made.
    /// </summary>
    public static async Task<IReadOnlyList<ConnectionOutcome>> RunAsync(ConnectOptions options, CancellationToken cancel = default)
    {
        var (outcomes, _) = await Open(options, hold: false, cancel);
        return outcomes;
    }

    /// <summary>Opens each connection, reads the server's line, and keeps it open until the result is disposed.</summary>
    public static async Task<HeldConnections> OpenAsync(ConnectOptions options, CancellationToken cancel = default)
    {
        var (outcomes, sockets) = await Open(options, hold: true, cancel);
        return new HeldConnections(outcomes, sockets);
    }

    /// <summary>
    /// A socket for <see cref="ConnectAsync"/>, made now in the options' namespace (a thread
    /// that joins it) and bound to no source (the options' sources are not used): a caller
    /// that times single connections makes the next one's socket while it waits, so the
    /// thread is not part of the time it measures.
    /// </summary>
    public static Socket NewSocket(ConnectOptions options) => options.Namespace is null
        ? NewSocket(options.Server, null)
        : NamespaceThread.Run(options.Namespace, () => NewSocket(options.Server, null));

    /// <summary>Opens one connection on a socket from <see cref="NewSocket(ConnectOptions)"/>, reads the server's line, closes it.</summary>
    public static async Task<ConnectionOutcome> ConnectAsync(Socket socket, ConnectOptions options, CancellationToken cancel = default)
    {
        if (options.Problems() is { Count: > 0 } problems)
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        var (outcome, open) = await OpenOne(options, 0, cancel, socket);
        open?.Dispose();
        return outcome;
    }

    private static async Task<(ConnectionOutcome[], Socket?[])> Open(ConnectOptions options, bool hold, CancellationToken cancel)
    {
        if (options.Problems() is { Count: > 0 } problems)
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        if (hold && options.Count > ConnectOptions.MaxHeld)
            throw new ArgumentException($"count {options.Count}: at most {ConnectOptions.MaxHeld} connections can be held open", nameof(options));

        var outcomes = new ConnectionOutcome[options.Count];
        var sockets = new Socket?[options.Count];
        using var gate = new SemaphoreSlim(options.Parallel);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, options.Count).Select(async i =>
            {
                await gate.WaitAsync(cancel);
                try
                {
                    (outcomes[i], var socket) = await OpenOne(options, i, cancel);
                    if (hold) sockets[i] = socket;
                    else socket?.Dispose();
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        catch
        {
            foreach (var socket in sockets) socket?.Dispose();
            throw;
        }
        return (outcomes, sockets);
    }

    private static async Task<(ConnectionOutcome, Socket?)> OpenOne(ConnectOptions options, int index, CancellationToken cancel, Socket? prepared = null)
    {
        var source = prepared is null && options.Sources.Count > 0 ? options.Sources[index % options.Sources.Count] : null;
        var socket = prepared;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(options.Timeout);
        try
        {
            socket ??= options.Namespace is null ? NewSocket(options.Server, source) : NamespaceThread.Run(options.Namespace, () => NewSocket(options.Server, source));
            await socket.ConnectAsync(options.Server, deadline.Token);
            var local = (IPEndPoint)socket.LocalEndPoint!;
            var line = await ReadLineAsync(socket, deadline.Token);
            if (line is null || !IPEndPoint.TryParse(line, out var seen))
                throw new IOException($"the server sent '{line}' instead of address:port");
            return (new ConnectionOutcome(index, local, seen, null), socket);
        }
        catch (Exception e) when (!cancel.IsCancellationRequested && e is SocketException or OperationCanceledException or IOException)
        {
            socket?.Dispose();
            var why = e is OperationCanceledException ? $"no answer within {options.Timeout.TotalSeconds:0.#} s" : e.Message;
            var from = source is null ? "" : $" from {source}";
            return (new ConnectionOutcome(index, null, null, $"connection {index}{from} to {options.Server}: {why}"), null);
        }
        catch
        {
            socket?.Dispose();
            throw;
        }
    }

    private static Socket NewSocket(IPEndPoint server, IPAddress? source)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (source is not null) socket.Bind(new IPEndPoint(source, 0));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads one '\n'-terminated line; null when the peer closed first.</summary>
    internal static async Task<string?> ReadLineAsync(Socket socket, CancellationToken cancel)
    {
        // Byte by byte: the lines are tiny, and nothing after the newline may be consumed.
        var line = new StringBuilder();
        var one = new byte[1];
        while (line.Length < MaxLine)
        {
            if (await socket.ReceiveAsync(one, SocketFlags.None, cancel) == 0) return null;
            if (one[0] == (byte)'\n') return line.ToString();
            line.Append((char)one[0]);
        }
        throw new IOException($"the server's line is longer than {MaxLine} bytes");
    }
}
