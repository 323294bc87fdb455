using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Junction.Cli.Daemon;

/// <summary>
/// One writer of Junction's kernel state per network namespace: the daemon, <c>apply</c>,
/// <c>flush</c> and <c>confirm</c> all take it, so two of them never
/// interleave their reads, writes and rollbacks over the one table, rules and routes
/// Junction has there. The lock is an abstract Unix socket name (<c>@junction-daemon</c>)
/// bound in the namespace. Abstract names belong to the network namespace, not the file
/// system, and vanish with the socket, so a holder that dies, even by SIGKILL, leaves
/// nothing stale behind. The holder listens, and to each connection writes one line naming
/// what it is (<see cref="LockRole"/>) and closes it, so a refused caller can say who holds
/// the lock (its pid from SO_PEERCRED) and whether waiting makes sense. A pending
/// <c>apply --confirm</c> does not hold the lock while it waits: its record on disk
/// (<see cref="Commands.Confirm.PendingConfirm"/>) stops the others, each checked under the lock.
/// </summary>
internal sealed class NamespaceLock : IDisposable
{
    public const string DefaultName = "junction-daemon";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private readonly Socket _socket;
    private readonly byte[] _greeting;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private NamespaceLock(Socket socket, string role)
    {
        _socket = socket;
        _greeting = Encoding.UTF8.GetBytes(role + "\n");
        _accepting = AcceptAsync(_stop.Token);
    }

    /// <summary>
    /// Takes the lock of the calling thread's network namespace for <paramref name="role"/>.
    /// While a short-lived holder (<c>apply</c>, <c>flush</c>, <c>confirm</c>) has it, waits up
    /// to <paramref name="wait"/>; a daemon is not waited for: it does not let go by itself.
    /// </summary>
    /// <exception cref="LockBusyException">another Junction process holds it (the message names it and its pid when it can).</exception>
    public static NamespaceLock Take(string role, TimeSpan wait = default, string name = DefaultName)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Bind(Endpoint(name));
                socket.Listen(16);
                return new NamespaceLock(socket, role);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                socket.Dispose();
                var holder = Holder(name);
                if (holder.Role == LockRole.Daemon || Stopwatch.GetTimestamp() >= deadline) throw new LockBusyException(role, holder, wait, e);
                Thread.Sleep(Poll);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>Who holds the lock, as far as can be told (pid from SO_PEERCRED, the role it wrote); nulls when not.</summary>
    internal static LockHolder Holder(string name = DefaultName)
    {
        try
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            probe.Connect(Endpoint(name));
            var pid = Linux.Interop.UnixPeer.Pid(probe);
            probe.ReceiveTimeout = 1000;
            var buffer = new byte[256];
            var n = 0;
            try
            {
                int read;
                while (n < buffer.Length && (read = probe.Receive(buffer, n, buffer.Length - n, SocketFlags.None)) > 0) n += read;
            }
            catch (SocketException)
            {
                // A holder that does not say what it is (an older daemon): the pid still helps.
            }
            var role = Encoding.UTF8.GetString(buffer, 0, n).Trim();
            return new LockHolder(pid, role.Length == 0 ? null : role);
        }
        catch (SocketException)
        {
            return new LockHolder(null, null);
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
                try
                {
                    // A few bytes into an empty socket buffer: never blocks.
                    peer.Blocking = false;
                    peer.Send(_greeting, SocketFlags.None);
                }
                catch (SocketException)
                {
                }
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

/// <summary>What a lock holder says it is: one word, the verb that took the lock.</summary>
internal static class LockRole
{
    public const string Daemon = "run";
    public const string Apply = "apply";
    public const string Flush = "flush";
    /// <summary><c>junction confirm</c>, or an <c>apply --confirm</c> timer restoring the state before it.</summary>
    public const string Confirm = "confirm";
}

internal sealed record LockHolder(int? Pid, string? Role);

/// <summary>Another Junction process holds the namespace's lock; the message says which and what to do.</summary>
internal sealed class LockBusyException(string role, LockHolder holder, TimeSpan waited, Exception inner)
    : Exception(Describe(role, holder, waited), inner)
{
    public LockHolder Holder { get; } = holder;

    private static string Describe(string role, LockHolder holder, TimeSpan waited)
    {
        var pid = holder.Pid is { } p ? $" (pid {p})" : "";
        var hup = holder.Pid is { } q ? $"kill -HUP {q}" : "systemctl reload junction";
        return (role, holder.Role) switch
        {
            // The words a second daemon has always printed.
            (LockRole.Daemon, LockRole.Daemon or null) => $"another Junction daemon runs in this network namespace{pid}: stop it first",
            (_, LockRole.Daemon) => $"a Junction daemon runs in this network namespace{pid} and owns its kernel state; nothing was changed: " +
                $"edit its configuration and reload it ({hup}), or stop it first",
            (_, { } other) => $"another 'junction {other}'{pid} is changing this network namespace and did not finish within {waited.TotalSeconds:0.#} s; " +
                "nothing was changed: try again when it is done",
            _ => $"another Junction process{pid} holds this network namespace's lock; nothing was changed: try again when it is done",
        };
    }
}
