using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Junction.Cli.Daemon;

/// <summary>
/// One line per event, "2025-01-01T12:00:00.123Z info  message", and nothing else (no
/// category, no event id): easy to read, grep, and parse in tests.
/// </summary>
internal sealed class LineFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "junction-line";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (logEntry.Exception is { } e) message += $" ({e.GetType().Name}: {e.Message})";
        var level = logEntry.LogLevel switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info ",
            LogLevel.Warning => "warn ",
            LogLevel.Error => "error",
            _ => "crit ",
        };
        textWriter.Write($"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {level} {message.ReplaceLineEndings(" / ")}\n");
    }
}
