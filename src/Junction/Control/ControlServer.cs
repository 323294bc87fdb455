using System.Net;
using System.Net.Sockets;
using Junction.Explain;
using Junction.Linux.Interop;
using Junction.Linux.Observe;
using Junction.Linux.Processes;
using Junction.Metrics;
using Junction.Model;
using Junction.Status;

namespace Junction.Cli.Control;

/// <summary>
/// The daemon's small HTTP/JSON API on a Unix socket (root only: mode 0600), and, only when
/// configured, a Prometheus listener on a TCP port that serves <c>/metrics</c> and nothing
/// else. Endpoints on the socket: <c>GET /v1/status</c>, <c>GET /v1/explain?c=CONNECTION</c>,
/// <c>GET /metrics</c>, <c>POST /v1/operator?uplink=NAME&amp;mode=MODE</c>. The two are separate
/// <see cref="HttpServer"/>s sharing one <see cref="StatusService"/>,
/// so a reload can move the metrics listener (<see cref="MoveMetricsAsync"/>) without closing
/// the socket or losing the new-connection window. The daemon starts it once it has applied
/// and stops it by disposing.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly HttpServer _control;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private readonly SemaphoreSlim _metricsGate = new(1, 1);
    private HttpServer? _metrics;
    private volatile IPEndPoint? _metricsEndpoint;

    private ControlServer(HttpServer app, StatusService status, string socketPath, TimeSpan interval, TimeProvider time)
    {
        _control = app;
        Status = status;
        SocketPath = socketPath;
        _sampler = SampleAsync(interval, time, _stop.Token);
    }

    public string SocketPath { get; }

    /// <summary>Where the metrics listener really listens (port 0 in the options becomes the port given); null without one.</summary>
    public IPEndPoint? MetricsEndpoint => _metricsEndpoint;

    internal StatusService Status { get; }

    /// <summary>
    /// Starts serving. <paramref name="model"/> is asked on every explain, so a reload is seen at once.
    /// Throws <see cref="ListenFailedException"/> when the socket or the metrics address cannot be bound.
    /// </summary>
    public static async Task<ControlServer> StartAsync(IStatusSource source, Func<JunctionModel> model, CommandRunner runner,
        ControlOptions options, CancellationToken ct)
    {
        PrepareSocketPath(options.SocketPath);
        var status = new StatusService(source, model, new KernelObserver(runner), new NewConnectionWindow(options.Time));
        status.Sample();

        HttpRoute[] routes =
        [
            new("GET", "/v1/status", _ => Task.FromResult(HttpResponse.Json(status.Report()))),
            new("GET", "/v1/explain", request =>
            {
                var c = request.QueryValue("c");
                if (string.IsNullOrWhiteSpace(c)) return Task.FromResult(Error($"give the connection as ?c=..., e.g. {ConnectionQuery.Syntax}"));
                return Task.FromResult(ConnectionQuery.TryParse(c, out var query, out var error)
                    ? HttpResponse.Json(status.Explain(query!))
                    : Error(error));
            }),
            new("GET", "/metrics", _ => Task.FromResult(HttpResponse.Text(status.Metrics(), PrometheusWriter.ContentType))),
            new("POST", "/v1/operator", async request =>
            {
                if (options.Operator is not { } control) return Error("this server takes no operator requests", 404);
                var (reply, code, error) = await OperatorEndpoint.Handle(control, request.QueryValue("uplink"), request.QueryValue("mode"));
                return reply is not null ? HttpResponse.Json(reply) : Error(error ?? "refused", code);
            }),
        ];
        // The socket is made 0600 between bind and listen: nobody can connect before.
        var app = Listen(() => HttpServer.ListenUnix(options.SocketPath, ListenerLimits.ControlConnections, routes),
            $"cannot listen on {options.SocketPath}");

        var server = new ControlServer(app, status, options.SocketPath, options.SampleInterval, options.Time);
        try
        {
            if (options.MetricsListen is { } listen) await server.MoveMetricsAsync(listen, ct);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public static Task<ControlServer> StartAsync(IStatusSource source, JunctionModel model, CommandRunner runner,
        ControlOptions options, CancellationToken ct) => StartAsync(source, () => model, runner, options, ct);

    /// <summary>
    /// Closes the metrics listener and opens one on <paramref name="listen"/> (null: none). The old
    /// one is closed first, so the same port on another address can be taken. On failure there is
    /// no listener and <see cref="ListenFailedException"/> says why; the caller may move back.
    /// </summary>
    public async Task MoveMetricsAsync(IPEndPoint? listen, CancellationToken ct)
    {
        await _metricsGate.WaitAsync(ct);
        try
        {
            if (_metrics is { } old)
            {
                _metrics = null;
                _metricsEndpoint = null;
                await old.DisposeAsync();
            }
            if (listen is null) return;
            // The TCP listener is for Prometheus only: status and explain stay root-only on the socket.
            HttpRoute[] routes = [new("GET", "/metrics", _ => Task.FromResult(HttpResponse.Text(Status.Metrics(), PrometheusWriter.ContentType)))];
            var app = Listen(() => HttpServer.ListenTcp(listen, ListenerLimits.MetricsConnections, routes), $"cannot listen for metrics on {listen}");
            _metrics = app;
            _metricsEndpoint = (IPEndPoint)app.LocalEndPoint;
        }
        finally
        {
            _metricsGate.Release();
        }
    }

    /// <summary>Binds and starts serving; a bind that fails becomes one line naming what could not be opened.</summary>
    private static HttpServer Listen(Func<HttpServer> listen, string what)
    {
        try
        {
            return listen();
        }
        catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException)
        {
            throw new ListenFailedException($"{what}: {e.Message}", e);
        }
    }

    private static HttpResponse Error(string message, int status = 400) => HttpResponse.Json(new ErrorAnswer(message), status);

    /// <summary>Throws <see cref="ListenFailedException"/> when a live daemon answers on the socket at <paramref name="path"/>.</summary>
    private static void ThrowIfAnswered(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            return;   // nobody answers: a stale socket
        }
        throw new ListenFailedException($"another Junction daemon is listening on {path}: stop it first, or give this one another --socket");
    }

    /// <summary>
    /// Makes the socket's directory (0700) when missing, and removes a stale socket left by a
    /// daemon that died; refuses when a live daemon still answers on it, and when the path
    /// holds anything but a socket (a file given as --socket by mistake is never deleted).
    /// </summary>
    private static void PrepareSocketPath(string path)
    {
        try
        {
            var kind = FileKind.Of(path);
            if (kind is not (FileKind.Kind.Missing or FileKind.Kind.Socket))
                throw new ListenFailedException($"cannot listen on {path}: it exists and is {Describe(kind)}, not a socket; " +
                    "Junction only replaces a stale socket there: move it away, or give another --socket");
            if (kind == FileKind.Kind.Socket) ThrowIfAnswered(path);
            var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!Directory.Exists(dir) && !OperatingSystem.IsWindows())
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (kind == FileKind.Kind.Socket) File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Junction.Linux.Interop.SyscallException)
        {
            throw new ListenFailedException($"cannot listen on {path}: {e.Message}", e);
        }
    }

    private static string Describe(FileKind.Kind kind) => kind switch
    {
        FileKind.Kind.Regular => "a regular file",
        FileKind.Kind.Directory => "a directory",
        FileKind.Kind.Symlink => "a symbolic link",
        _ => "a device, pipe or other special file",
    };

    private async Task SampleAsync(TimeSpan interval, TimeProvider time, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) Status.Sample();
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        await MoveMetricsAsync(null, CancellationToken.None);
        await _control.DisposeAsync();
        _stop.Dispose();
        _metricsGate.Dispose();
        // Only the socket this server made: whatever else took its place stays.
        if (FileKind.Of(SocketPath) == FileKind.Kind.Socket) File.Delete(SocketPath);
    }
}
