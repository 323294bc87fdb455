using System.Net;
using System.Net.Sockets;
using Junction.Explain;
using Junction.Linux.Observe;
using Junction.Linux.Processes;
using Junction.Metrics;
using Junction.Model;
using Junction.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Control;

/// <summary>
/// The daemon's small HTTP/JSON API on a Unix socket (root only: mode 0600), and, only when
/// configured, a Prometheus listener on a TCP port that serves <c>/metrics</c> and nothing
/// else. Endpoints on the socket: <c>GET /v1/status</c>, <c>GET /v1/explain?c=CONNECTION</c>,
/// <c>GET /metrics</c>. The daemon starts it once it has a model and stops it by disposing.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;

    private ControlServer(WebApplication app, StatusService status, string socketPath, IPEndPoint? metrics, TimeSpan interval, TimeProvider time)
    {
        _app = app;
        Status = status;
        SocketPath = socketPath;
        MetricsEndpoint = metrics;
        _sampler = SampleAsync(interval, time, _stop.Token);
    }

    public string SocketPath { get; }

    /// <summary>Where the metrics listener really listens (port 0 in the options becomes the port given); null without one.</summary>
    public IPEndPoint? MetricsEndpoint { get; }

    internal StatusService Status { get; }

    /// <summary>Starts serving. <paramref name="model"/> is asked on every explain, so a reload is seen at once.</summary>
    public static async Task<ControlServer> StartAsync(IStatusSource source, Func<JunctionModel> model, CommandRunner runner,
        ControlOptions options, CancellationToken ct)
    {
        PrepareSocketPath(options.SocketPath);
        var status = new StatusService(source, model, new KernelObserver(runner), new NewConnectionWindow(options.Time));
        status.Sample();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(options.SocketPath);
            if (options.MetricsListen is { } listen) k.Listen(listen);
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        // The TCP listener is for Prometheus only: status and explain stay root-only on the socket.
        app.Use((context, next) =>
            context.Connection.LocalIpAddress is not null && context.Request.Path != "/metrics"
                ? Results.NotFound().ExecuteAsync(context)
                : next(context));
        app.MapGet("/v1/status", () => Results.Json(status.Report(), StatusJson.Options));
        app.MapGet("/v1/explain", (string? c) =>
        {
            if (string.IsNullOrWhiteSpace(c)) return Error($"give the connection as ?c=..., e.g. {ConnectionQuery.Syntax}");
            return ConnectionQuery.TryParse(c, out var query, out var error)
                ? Results.Json(status.Explain(query!), StatusJson.Options)
                : Error(error);
        });
        app.MapGet("/metrics", () => Results.Text(status.Metrics(), PrometheusWriter.ContentType));

        await app.StartAsync(ct);
        try
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(options.SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            IPEndPoint? metrics = null;
            if (options.MetricsListen is not null)
            {
                var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
                    .Select(a => new Uri(a)).First(u => u.Scheme == "http" && u.Host != "unix");
                metrics = new IPEndPoint(options.MetricsListen.Address, address.Port);
            }
            return new ControlServer(app, status, options.SocketPath, metrics, options.SampleInterval, options.Time);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public static Task<ControlServer> StartAsync(IStatusSource source, JunctionModel model, CommandRunner runner,
        ControlOptions options, CancellationToken ct) => StartAsync(source, () => model, runner, options, ct);

    private static IResult Error(string message) => Results.Json(new { error = message }, StatusJson.Options, statusCode: 400);

    /// <summary>
    /// Makes the socket's directory (0700) when missing, and removes a stale socket left by a
    /// daemon that died; refuses when a live daemon still answers on it.
    /// </summary>
    private static void PrepareSocketPath(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(dir) && !OperatingSystem.IsWindows())
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (!File.Exists(path)) return;
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new InvalidOperationException($"another Junction daemon is listening on {path}: stop it first");
            }
            catch (SocketException)
            {
                // Nobody answers: a stale socket.
            }
        }
        File.Delete(path);
    }

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
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stop.Dispose();
        if (File.Exists(SocketPath)) File.Delete(SocketPath);
    }
}
