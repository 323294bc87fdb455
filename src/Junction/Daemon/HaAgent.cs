using System.Globalization;
using Junction.Ha;
using Junction.Model;
using Microsoft.Extensions.Logging;

namespace Junction.Cli.Daemon;

/// <summary>
/// The daemon's side of an HA pair (<c>ha:</c>): keeps the health file keepalived's
/// <c>track_file</c> reads (the number of unhealthy uplinks; each costs priority, so the
/// router with more working uplinks is master) and reads the role keepalived's notify
/// script records. File I/O only, a few bytes, on the loop.
/// </summary>
internal sealed partial class HaAgent(HaModel model, ILogger log, DateTimeOffset startedAt)
{
    private int? _written;
    private bool _holding = true, _failing;

    public HaModel Model { get; } = model;

    /// <summary>What the health file says now; null until it was first written.</summary>
    public int? Reported => _written;

    /// <summary>
    /// Writes the count when it changed (a temporary file renamed over the old one, so
    /// keepalived never reads half a number). Within <see cref="HaModel.HoldAfterStart"/> of
    /// the start, a router that is not the live master reports all <paramref name="uplinks"/>.
    /// </summary>
    public void Report(int unhealthy, int uplinks, DateTimeOffset now)
    {
        if (_holding)
        {
            if (now < startedAt + Model.HoldAfterStart && !Role().IsMaster) unhealthy = uplinks;
            else _holding = false;
        }
        if (_written == unhealthy) return;
        try
        {
            Directory.CreateDirectory(Model.StateDirectory);
            var temp = Model.HealthFile + ".tmp";
            File.WriteAllText(temp, unhealthy.ToString(CultureInfo.InvariantCulture) + "\n");
            File.Move(temp, Model.HealthFile, overwrite: true);
            _written = unhealthy;
            _failing = false;
            HealthWritten(log, unhealthy, Model.HealthFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Tried again after the next batch (at the latest at NextDue): _written still differs.
            _failing = true;
            HealthFailed(log, Model.HealthFile, e.Message);
        }
    }

    /// <summary>
    /// When <see cref="Report"/> must be called again though nothing else changed: during the
    /// start hold the role file is read every <paramref name="poll"/> (keepalived's notify
    /// script writes it; nothing tells the daemon) and once more when the hold ends; a
    /// health file that could not be written is tried again after <paramref name="poll"/>.
    /// Null: not before the count changes.
    /// </summary>
    public DateTimeOffset? NextDue(DateTimeOffset now, TimeSpan poll)
    {
        if (_holding)
        {
            var end = startedAt + Model.HoldAfterStart;
            return end < now + poll ? end : now + poll;
        }
        return _failing ? now + poll : null;
    }

    public VrrpRole Role()
    {
        string? text;
        try
        {
            text = File.Exists(Model.RoleFile) ? File.ReadAllText(Model.RoleFile) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new VrrpRole(VrrpState.Unknown, null, $"cannot read {Model.RoleFile}: {e.Message}");
        }
        return VrrpRole.Parse(text, IsKeepalived);
    }

    private static bool IsKeepalived(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() == "keepalived";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ha: {Unhealthy} unhealthy uplink(s) written to {Path} for keepalived")]
    private static partial void HealthWritten(ILogger logger, int unhealthy, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "ha: could not write {Path}: {Reason}; keepalived keeps the old priority")]
    private static partial void HealthFailed(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "ha: not flushing {Uplink}'s connections: this router is {Role} ({Detail}); the peer carries them on")]
    public static partial void FlushSkipped(ILogger logger, string uplink, string role, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "not flushing {Uplinks}: no uplink is healthy, so there is nowhere to move their connections; they are flushed if their uplink is still down once another one works")]
    public static partial void FlushHeld(ILogger logger, string uplinks);
}
