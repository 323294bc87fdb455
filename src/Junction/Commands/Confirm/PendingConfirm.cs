using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Junction.Linux.Apply;
using Junction.Linux.Namespaces;

namespace Junction.Cli.Commands.Confirm;

/// <summary>
/// An <c>apply --confirm</c> that has not been confirmed yet: when it applied, until when a
/// <c>junction confirm</c> is accepted, which process (the timer) restores the state before it
/// at the deadline, and that state itself (<see cref="KernelCheckpoint"/>). It lives in a
/// file under <see cref="Directory"/> (a tmpfs, /run: a reboot forgets it, as it forgets the
/// kernel state it describes), named by the network namespace's cookie, so every Junction
/// command in that namespace finds it, and a timer that was killed leaves the state to
/// restore behind for the next one (<see cref="PendingGate"/>).
/// </summary>
internal sealed record PendingConfirm(string Id, DateTimeOffset AppliedAt, DateTimeOffset Deadline, string Config, int Timer, KernelCheckpoint Before)
{
    /// <summary>Where records live: /run/junction, or $JUNCTION_STATE_DIR (tests).</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("JUNCTION_STATE_DIR") is { Length: > 0 } dir ? dir : "/run/junction";

    /// <summary>The record of the calling thread's network namespace (whether or not it exists).</summary>
    public static string PathHere() => Path.Combine(Directory, $"confirm-{NetnsKey.Current()}.json");

    /// <summary>Where the timers note what they did (a restore happens when nobody watches).</summary>
    public static string LogPath => Path.Combine(Directory, "confirm.log");

    /// <summary>The record at <paramref name="path"/>; null when there is none.</summary>
    /// <exception cref="FormatException">the file is not a record this version wrote.</exception>
    public static PendingConfirm? Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        try
        {
            var json = JsonNode.Parse(text)!.AsObject();
            return new PendingConfirm(json["id"]!.GetValue<string>(), Time(json["appliedAt"]), Time(json["deadline"]),
                json["config"]!.GetValue<string>(), json["timer"]!.GetValue<int>(), KernelCheckpoint.FromJson(json["before"]!.AsObject()));
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException)
        {
            throw new FormatException($"{path} is not a pending confirm record: {e.Message}", e);
        }
    }

    /// <summary>Writes the record whole or not at all (a rename), readable by root only.</summary>
    public void Write(string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("Junction runs on Linux");
        var dir = Path.GetDirectoryName(path)!;
        System.IO.Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var json = new JsonObject
        {
            ["id"] = Id,
            ["appliedAt"] = Stamp(AppliedAt),
            ["deadline"] = Stamp(Deadline),
            ["config"] = Config,
            ["timer"] = Timer,
            ["before"] = Before.ToJson(),
        };
        var temporary = path + ".new";
        File.WriteAllText(temporary, json.ToJsonString(CliJson.Indented));
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Whether the timer process is still there to restore at the deadline.</summary>
    public bool TimerAlive
    {
        get
        {
            try
            {
                return Timer > 0 && File.ReadAllText($"/proc/{Timer}/cmdline").Contains(ConfirmTimerCommand.Name, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        }
    }

    public static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(JsonNode? node) =>
        DateTimeOffset.Parse(node!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>Appends one line to <see cref="LogPath"/>; a log that cannot be written does not stop a restore.</summary>
    public static void Note(string line)
    {
        try
        {
            File.AppendAllText(LogPath, $"{Stamp(DateTimeOffset.UtcNow)} {NetnsKey.Current()}: {line}\n");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
