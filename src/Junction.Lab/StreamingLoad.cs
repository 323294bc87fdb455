using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Junction.Lab;

/// <summary>
/// Keeps data flowing on held connections: each sends a line every <c>interval</c> and
/// waits for the server's echo, until stopped. A connection counts as broken when a send or
/// receive fails (a reset), the echo is not the line sent, or no echo arrives within
/// <c>patience</c>; it then stops, with the reason kept. A takeover's pause shows as the first
/// echo after a <see cref="Mark"/>, without asserting on time.
/// </summary>
public sealed class StreamingLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private readonly string?[] _broken;
    private readonly long[] _echoes;
    private long _mark = long.MaxValue;
    private long _firstAfterMark = long.MaxValue;

    private StreamingLoad(HeldConnections held, TimeSpan interval, TimeSpan patience)
    {
        var sockets = held.Sockets;
        _broken = new string?[sockets.Count];
        _echoes = new long[sockets.Count];
        _loops = [.. sockets.Select((socket, i) => socket is null ? Task.CompletedTask : Task.Run(() => Loop(i, socket, interval, patience)))];
        for (var i = 0; i < sockets.Count; i++)
            if (sockets[i] is null) _broken[i] = "never opened";
    }

    public static StreamingLoad Start(HeldConnections held, TimeSpan interval, TimeSpan patience) => new(held, interval, patience);

    /// <summary>Why each connection broke; null for those still carrying data.</summary>
    public IReadOnlyList<string?> Broken => [.. _broken.Select(b => Volatile.Read(ref b))];

    /// <summary>From now on, remember when the first echo of a line sent after this moment arrives (see <see cref="FirstEchoAfterMark"/>).</summary>
    public long Mark()
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _firstAfterMark, long.MaxValue);
        Interlocked.Exchange(ref _mark, now);
        return now;
    }

    /// <summary>Stopwatch timestamp of the first echo, on any connection, of a line sent after <see cref="Mark"/>; null before one arrived.</summary>
    public long? FirstEchoAfterMark => Interlocked.Read(ref _firstAfterMark) is var t && t != long.MaxValue ? t : null;

    /// <summary>Waits until every live connection has had <paramref name="more"/> echoes beyond now, or the timeout passes; true when they had.</summary>
    public async Task<bool> FlowingAsync(int more, TimeSpan timeout, CancellationToken cancel = default)
    {
        var start = _echoes.Select(e => e).ToArray();
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            if (Enumerable.Range(0, _echoes.Length).All(i => Volatile.Read(ref _broken[i]) is not null || Interlocked.Read(ref _echoes[i]) >= start[i] + more))
                return true;
            await Task.Delay(50, cancel);
        }
        return false;
    }

    private async Task Loop(int i, Socket socket, TimeSpan interval, TimeSpan patience)
    {
        var n = 0L;
        var buffer = new byte[128];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var line = $"s{i} {n++}";
                var started = Stopwatch.GetTimestamp();
                using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
                {
                    deadline.CancelAfter(patience);
                    try
                    {
                        await socket.SendAsync(Encoding.ASCII.GetBytes(line + "\n"), SocketFlags.None, deadline.Token);
                        var echo = await ConnectionDriver.ReadLineAsync(socket, deadline.Token);
                        if (echo != line)
                        {
                            _broken[i] = echo is null ? "the server closed the connection" : $"echo '{echo}' for '{line}'";
                            return;
                        }
                    }
                    catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                    {
                        _broken[i] = $"no echo within {patience.TotalSeconds:0.#} s";
                        return;
                    }
                }
                if (started > Interlocked.Read(ref _mark))
                {
                    var at = Stopwatch.GetTimestamp();
                    long seen;
                    while (at < (seen = Interlocked.Read(ref _firstAfterMark)) && Interlocked.CompareExchange(ref _firstAfterMark, at, seen) != seen) { }
                }
                Interlocked.Increment(ref _echoes[i]);
                await Task.Delay(interval, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            _broken[i] = e.Message;
        }
    }

    /// <summary>Stops every loop and returns why each connection broke (null: it never did).</summary>
    public async Task<IReadOnlyList<string?>> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        return Broken;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
    }
}
