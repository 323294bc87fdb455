using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>
/// One line per event, "2025-01-01T12:00:00.123Z info  message", and nothing else (no
/// category, no event id): easy to read, grep, and parse in tests. Written at once to
/// standard output (the journal under systemd). A provider of its own rather than the
/// console logger with a custom formatter: that one binds options through reflection
/// (not trimmable) and keeps a queue thread the daemon does not need.
/// </summary>
internal sealed class LineLoggerProvider(TextWriter output) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new LineLogger(this);

    public void Dispose() => output.Flush();

    /// <summary>The line for one event, without its newline.</summary>
    internal static string Format(DateTimeOffset at, LogLevel level, string message, Exception? exception)
    {
        if (exception is { } e) message += $" ({e.GetType().Name}: {e.Message})";
        var word = level switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info ",
            LogLevel.Warning => "warn ",
            LogLevel.Error => "error",
            _ => "crit ",
        };
        return $"{at:yyyy-MM-ddTHH:mm:ss.fffZ} {word} {message.ReplaceLineEndings(" / ")}";
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            output.Write(line);
            output.Write('\n');
            output.Flush();
        }
    }

    private sealed class LineLogger(LineLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            provider.Write(Format(DateTimeOffset.UtcNow, logLevel, formatter(state, exception), exception));
        }
    }
}
