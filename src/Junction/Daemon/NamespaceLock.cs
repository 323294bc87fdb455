using System.Net.Sockets;
using Junction.Cli.Control;

namespace Junction.Cli.Daemon;

/// <summary>
/// One daemon per network namespace, whatever its --socket: two would fight over the one
/// table, rules and routes Junction has there. The lock is an abstract Unix socket name
/// (<c>@junction-daemon</c>) bound in the daemon's namespace. Abstract names belong to the
/// network namespace, not the file system, and vanish with the socket, so a daemon that
/// dies, even by SIGKILL, leaves nothing stale behind. The holder listens and accepts (and
/// closes at once), so a second daemon can connect and learn its pid from SO_PEERCRED.
/// </summary>
internal sealed class NamespaceLock : IDisposable
{
    public const string DefaultName = "junction-daemon";

    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private NamespaceLock(Socket socket)
    {
        _socket = socket;
        _accepting = AcceptAsync(_stop.Token);
    }

    /// <summary>Takes the lock of the calling thread's network namespace.</summary>
    /// <exception cref="ListenFailedException">another daemon holds it (the message names its pid when it can).</exception>
    public static NamespaceLock Take(string name = DefaultName)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(Endpoint(name));
            socket.Listen(16);
            return new NamespaceLock(socket);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            var pid = HolderPid(name) is { } p ? $" (pid {p})" : "";
            throw new ListenFailedException($"another Junction daemon runs in this network namespace{pid}: stop it first", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The pid of the process that listens on the name, as the kernel recorded it; null if it cannot be told.</summary>
    internal static int? HolderPid(string name)
    {
        try
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            probe.Connect(Endpoint(name));
            // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
            Span<byte> cred = stackalloc byte[12];
            const int solSocket = 1, soPeercred = 17;
            return probe.GetRawSocketOption(solSocket, soPeercred, cred) >= 4 && BitConverter.ToInt32(cred) is > 0 and var pid ? pid : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static UnixDomainSocketEndPoint Endpoint(string name) => new("\0" + name);

    private async Task AcceptAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                using var peer = await _socket.AcceptAsync(ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _accepting.Wait(TimeSpan.FromSeconds(1));
        _stop.Dispose();
    }
}
