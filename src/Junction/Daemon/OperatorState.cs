using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Junction.Hashing;
using Junction.Health;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>
/// The operator's overrides (<see cref="OperatorOverrides"/>) as the daemon keeps them:
/// changed from the control socket's threads, read by the loop, and written to a small file
/// before they take effect, so they survive a daemon restart (and a reboot: the file is
/// under /var/lib/junction, since a link under maintenance is still under maintenance after
/// one). The file is named by the configuration file's path, as one daemon runs one file.
/// Thread-safe.
/// </summary>
internal sealed class OperatorState
{
    private readonly object _gate = new();
    private readonly string? _path;
    private readonly ILogger _log;
    private OperatorOverrides _current = OperatorOverrides.None;

    /// <param name="path">the state file; null keeps the overrides in memory only (unit tests).</param>
    public OperatorState(string? path, ILogger log)
    {
        _path = path;
        _log = log;
    }

    /// <summary>Where state files live: /var/lib/junction, or $JUNCTION_STATE_DIR (tests).</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("JUNCTION_STATE_DIR") is { Length: > 0 } dir ? dir : "/var/lib/junction";

    /// <summary>The state file of the daemon that runs <paramref name="configPath"/>.</summary>
    public static string PathFor(string configPath)
    {
        var full = System.IO.Path.GetFullPath(configPath);
        var hash = Convert.ToHexStringLower(Sha256.HashData(Encoding.UTF8.GetBytes(full)))[..16];
        return System.IO.Path.Combine(Directory, $"operator-{hash}.json");
    }

    public string? Path => _path;

    public OperatorOverrides Current
    {
        get
        {
            lock (_gate) return _current;
        }
    }

    /// <summary>
    /// Reads the file (a missing one means no overrides); overrides of uplinks not in
    /// <paramref name="configured"/> are dropped and logged. A damaged file is logged and
    /// treated as none: health then decides, which is what a daemon without overrides does.
    /// </summary>
    public void Load(IReadOnlyCollection<string> configured)
    {
        if (_path is null) return;
        OperatorOverrides read;
        try
        {
            read = Parse(File.ReadAllText(_path));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or FormatException or InvalidOperationException)
        {
            OperatorLog.LoadFailed(_log, _path, e.Message);
            return;
        }
        var kept = read.Keep(configured);
        foreach (var gone in read.Modes.Keys.Except(kept.Modes.Keys)) OperatorLog.Forgotten(_log, gone, OperatorModes.Word(read.Of(gone)));
        foreach (var (name, mode) in kept.Modes) OperatorLog.Restored(_log, name, OperatorModes.Word(mode), _path);
        lock (_gate) _current = kept;
    }

    /// <summary>After a reload: overrides of uplinks that are gone are dropped (and the file rewritten).</summary>
    public void Keep(IReadOnlyCollection<string> configured)
    {
        lock (_gate)
        {
            var kept = _current.Keep(configured);
            if (kept.Modes.Count == _current.Modes.Count) return;
            foreach (var gone in _current.Modes.Keys.Except(kept.Modes.Keys)) OperatorLog.Forgotten(_log, gone, OperatorModes.Word(_current.Of(gone)));
            try
            {
                Save(kept);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                OperatorLog.SaveFailed(_log, _path ?? "", e.Message);
            }
            _current = kept;
        }
    }

    /// <summary>
    /// Sets <paramref name="uplink"/>'s mode: written to the file first, so an override the
    /// daemon acts on is one a restart finds. Returns the mode it had.
    /// </summary>
    /// <exception cref="IOException">the file could not be written; nothing changed.</exception>
    public OperatorMode Set(string uplink, OperatorMode mode)
    {
        lock (_gate)
        {
            var before = _current.Of(uplink);
            if (before == mode) return before;
            var next = _current.With(uplink, mode);
            try
            {
                Save(next);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new IOException(e.Message, e);
            }
            _current = next;
            OperatorLog.Changed(_log, uplink, OperatorModes.Word(before), OperatorModes.Word(mode));
            return before;
        }
    }

    internal static OperatorOverrides Parse(string text)
    {
        var json = JsonNode.Parse(text)?.AsObject() ?? throw new FormatException("not a JSON object");
        var modes = ImmutableSortedDictionary<string, OperatorMode>.Empty.WithComparers(StringComparer.Ordinal);
        if (json["uplinks"] is JsonObject uplinks)
        {
            foreach (var (name, value) in uplinks)
            {
                var word = value?.GetValue<string>() ?? "";
                if (!OperatorModes.TryParse(word, out var mode)) throw new FormatException($"uplink '{name}' has mode '{word}', not drain, down, up or auto");
                if (mode != OperatorMode.Auto) modes = modes.SetItem(name, mode);
            }
        }
        return new OperatorOverrides(modes);
    }

    private void Save(OperatorOverrides overrides)
    {
        if (_path is null) return;
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("Junction runs on Linux");
        var uplinks = new JsonObject();
        foreach (var (name, mode) in overrides.Modes) uplinks[name] = OperatorModes.Word(mode);
        var json = new JsonObject
        {
            ["comment"] = "Junction's operator overrides (junction drain|down|up|auto NAME); written by the daemon",
            ["uplinks"] = uplinks,
        };
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temporary = _path + ".new";
        File.WriteAllText(temporary, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, _path, overwrite: true);
    }
}

internal static partial class OperatorLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "operator: uplink {Uplink}: {From} -> {To}")]
    public static partial void Changed(ILogger logger, string uplink, string from, string to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "operator: uplink {Uplink} is '{Mode}' (kept from {Path}; 'junction auto NAME' lets health decide again)")]
    public static partial void Restored(ILogger logger, string uplink, string mode, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "operator: override '{Mode}' of uplink {Uplink} dropped: the configuration has no such uplink")]
    public static partial void Forgotten(ILogger logger, string uplink, string mode);

    [LoggerMessage(Level = LogLevel.Error, Message = "operator: cannot read {Path} ({Reason}); starting without overrides")]
    public static partial void LoadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "operator: cannot write {Path}: {Reason}")]
    public static partial void SaveFailed(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "uplink {Uplink}: no connections flushed ({Why})")]
    public static partial void FlushHeld(ILogger logger, string uplink, string why);
}

/// <summary>
/// An operator changed an uplink's override (already written to the file); <see cref="Done"/>
/// completes once the loop has applied what follows from it.
/// </summary>
internal sealed record OperatorChanged(string Uplink, OperatorMode From, OperatorMode To, TaskCompletionSource Done) : DaemonEvent;
