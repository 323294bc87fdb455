using System.Globalization;

namespace Junction.Linux.Conntrack;

/// <summary>The running kernel's release (uname -r, from /proc), for features older kernels lack.</summary>
internal static class KernelVersion
{
    public static bool AtLeast(int major, int minor)
    {
        try
        {
            var release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
            var parts = release.Split('.', '-');
            if (parts.Length < 2) return false;
            var (ma, mi) = (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
            return ma > major || (ma == major && mi >= minor);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
