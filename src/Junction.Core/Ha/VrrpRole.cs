using Junction.Model;

namespace Junction.Ha;

/// <summary>VRRP states as keepalived's notify script names them, plus Unknown.</summary>
public enum VrrpState { Unknown, Master, Backup, Fault, Stop }

/// <summary>
/// This router's VRRP role as keepalived last reported it through the notify script
/// (<c>STATE PID</c> in ha.state-dir/vrrp). A report whose keepalived process is gone is not
/// trusted: the role is then <see cref="VrrpState.Unknown"/>, and <see cref="Detail"/> says
/// what was last reported. Chosen over "is the virtual address here?": an address can be
/// added by hand or stay behind after keepalived died, and a BACKUP and a FAULT router
/// both lack it, while the flush guard must know which.
/// </summary>
public sealed record VrrpRole(VrrpState State, int? Pid, string Detail)
{
    public static readonly VrrpRole None = new(VrrpState.Unknown, null, "keepalived has not reported a role (no notify yet, or keepalived is not running)");

    public bool IsMaster => State == VrrpState.Master;

    /// <summary>The word status shows: master, backup, fault, stop or unknown.</summary>
    public string Word => Vocabulary.Vrrp.Word(State);

    /// <summary>Reads the notify script's line; <paramref name="isKeepalived"/> says whether a pid is a running keepalived.</summary>
    public static VrrpRole Parse(string? text, Func<int, bool> isKeepalived)
    {
        if (text is null) return None;
        var parts = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !Vocabulary.Vrrp.TryParse(parts[0].ToLowerInvariant(), out var state) || state == VrrpState.Unknown
            || !int.TryParse(parts[1], out var pid) || pid <= 0)
            return new VrrpRole(VrrpState.Unknown, null, $"the role file holds '{Clip(text)}', not 'STATE PID'");
        if (!isKeepalived(pid))
            return new VrrpRole(VrrpState.Unknown, pid, $"keepalived (pid {pid}) last reported {parts[0].ToUpperInvariant()} and is no longer running");
        return new VrrpRole(state, pid, $"reported by keepalived (pid {pid})");
    }

    private static string Clip(string text) => new([.. text.Trim().Take(40).Select(c => c is >= ' ' and <= '~' ? c : '?')]);
}
