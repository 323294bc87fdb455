using System.Text;

namespace Junction.Configuration;

/// <summary>
/// Linux interface names as the kernel accepts them (<c>dev_valid_name</c> in
/// net/core/dev.c), plus the few characters the tools Junction drives cannot carry as data.
/// One definition for every place a configuration names an interface ('lan', an uplink's
/// 'interface'), so no name reaches a ruleset, an <c>ip -batch</c> line or a sysctl key
/// that the kernel, nft, ip or sysctl would read as something else.
/// </summary>
public static class InterfaceName
{
    /// <summary>IFNAMSIZ less the terminating NUL.</summary>
    public const int MaxBytes = 15;

    /// <summary>
    /// Characters the kernel allows but Junction refuses, each with the tool that would
    /// misread it: nft has no escape for '"' and reads '\' before a final '*' and a final '*'
    /// as wildcard syntax; <c>ip -batch</c> cuts a line at '#' and reads quotes; sysctl
    /// splits <c>key=value</c> at the first '='.
    /// </summary>
    public const string Refused = "\"'\\*#=";

    /// <summary>Null when the name is valid, else what is wrong with it (in words; the name itself is not repeated).</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0) return "is empty";
        var bytes = Encoding.UTF8.GetBytes(name);
        if (bytes.Length > MaxBytes) return $"is {bytes.Length} bytes long; the kernel allows at most {MaxBytes}";
        if (name is "." or "..") return "is '.' or '..', which the kernel refuses";
        foreach (var b in bytes)
        {
            // dev_valid_name: no '/', ':' or isspace(); the kernel's isspace() also counts
            // 0xA0, which is a byte of many UTF-8 letters (à is C3 A0).
            if (b == 0) return "contains a NUL byte";
            if (b == (byte)'/') return "contains '/', which the kernel refuses";
            if (b == (byte)':') return "contains ':', which the kernel refuses (it marks an alias, e.g. eth0:1)";
            if (b is (byte)' ' or >= 9 and <= 13 or 0xA0)
                return b == 0xA0 ? "contains a byte 0xA0 (part of a non-ASCII letter), which the kernel counts as a space" : "contains whitespace, which the kernel refuses";
            if (b < 32 || b == 127) return $"contains the control character 0x{b:x2}";
            // The kernel reads a '%' as a template ("eth%d") and names the device itself.
            if (b == (byte)'%') return "contains '%', which the kernel reads as a name template (eth%d), never as part of a name";
            if (Refused.Contains((char)b, StringComparison.Ordinal))
                return $"contains '{(char)b}', which Junction refuses in interface names (nft, ip -batch or sysctl would read it as syntax)";
        }
        return null;
    }
}
