using System.Net;
using System.Net.Sockets;
using Junction.Linux.Namespaces;

namespace Junction.Lab;

/// <summary>What a <see cref="TrafficLoop"/> did: connections tried, answered (accepted or refused), and not answered.</summary>
public sealed record TrafficCounts(int Tried, int Answered, int Unanswered);

/// <summary>
/// A client opening new TCP connections at a steady rate from a lab namespace, spread over
/// several destinations in turn: the traffic a busy uplink carries. Each connection waits at
/// most <c>timeout</c> for its handshake and is closed at once; a refusal (RST) counts as
/// answered, like passive health counts it. Bounded: it stops when <c>stop</c> fires.
/// </summary>
public static class TrafficLoop
{
    public static async Task<TrafficCounts> RunAsync(string netns, IReadOnlyList<IPEndPoint> destinations, int perSecond,
        TimeSpan timeout, CancellationToken stop, Action<bool>? observed = null)
    {
        if (destinations.Count == 0 || perSecond is < 1 or > 2000) throw new ArgumentException("give destinations and 1-2000 connections a second");
        // Sockets are made in the namespace in batches of a tick's worth: one thread switch per tick.
        var tick = TimeSpan.FromMilliseconds(20);
        int tried = 0, answered = 0, unanswered = 0;
        var pending = new List<Task>();
        var next = 0;
        var owed = 0.0;
        using var timer = new PeriodicTimer(tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                owed += perSecond * tick.TotalSeconds;
                var count = (int)owed;
                owed -= count;
                if (count == 0) continue;
                var sockets = NamespaceThread.Run(netns, () => Enumerable.Range(0, count)
                    .Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ToList());
                foreach (var socket in sockets)
                {
                    var to = destinations[next++ % destinations.Count];
                    Interlocked.Increment(ref tried);
                    pending.Add(Connect(socket, to, timeout).ContinueWith(t =>
                    {
                        if (t.Result) Interlocked.Increment(ref answered);
                        else Interlocked.Increment(ref unanswered);
                        observed?.Invoke(t.Result);
                    }, TaskScheduler.Default));
                }
                pending.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(pending);
        return new TrafficCounts(tried, answered, unanswered);
    }

    private static async Task<bool> Connect(Socket socket, IPEndPoint to, TimeSpan timeout)
    {
        using (socket)
        {
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await socket.ConnectAsync(to, cancel.Token);
                return true;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return true;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                return false;
            }
        }
    }
}
