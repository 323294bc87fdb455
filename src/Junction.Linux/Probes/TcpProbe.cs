using System.Net;
using System.Net.Sockets;
using Junction.Health;
using Junction.Linux.Interop;
using Junction.Model;

namespace Junction.Linux.Probes;

/// <summary>
/// A TCP handshake to address:port. Only an accepted connection counts: a refusal might
/// come from a local firewall's reject rule rather than from the far end. The socket is
/// closed with a reset (linger 0), so five probes a second leave no TIME_WAIT behind.
/// </summary>
public sealed class TcpProbe(ProbeBinding binding, TimeProvider time) : IProbe
{
    public Task<ProbeResult> SendAsync(ProbeTarget target, TimeSpan timeout, CancellationToken cancel)
    {
        if (target.Port is not { } port)
            return Task.FromResult(ProbeResult.Failed(target, "a tcp probe needs a port"));
        Socket socket;
        try
        {
            socket = ProbeSockets.Create(target.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp, binding);
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SyscallException or SocketException)
        {
            return Task.FromResult(ProbeResult.Failed(target, e.Message));
        }
        return ConnectAsync(socket, target, new IPEndPoint(target.Address, port), timeout, cancel);
    }

    private async Task<ProbeResult> ConnectAsync(Socket socket, ProbeTarget target, IPEndPoint to, TimeSpan timeout, CancellationToken cancel)
    {
        using var _ = socket;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancel);
        var started = time.GetTimestamp();
        try
        {
            await socket.ConnectAsync(to, linked.Token).ConfigureAwait(false);
            return ProbeResult.Ok(target, time.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return ProbeResult.Failed(target, $"no handshake within {timeout.TotalMilliseconds:0} ms");
        }
        catch (SocketException e)
        {
            return ProbeResult.Failed(target, e.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused" : e.Message);
        }
    }
}
