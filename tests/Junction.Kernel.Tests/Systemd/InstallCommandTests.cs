using Junction.Kernel.Tests.Observe;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Systemd;

/// <summary><c>junction install</c> into a scratch prefix: the launcher runs, the unit names it and verifies.</summary>
public sealed class InstallCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jto-install-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Dry_run_changes_nothing()
    {
        var result = StatusCommandTests.Cli(CommandRunner.Current, "install", "--prefix", Path.Combine(_dir, "p"), "--unit-dir", Path.Combine(_dir, "u"), "--dry-run");
        Assert.True(result.Ok, result.Stderr);
        Assert.Contains("would write", result.Stdout);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public void Install_puts_a_working_launcher_and_a_unit_in_place()
    {
        var prefix = Path.Combine(_dir, "usr", "local");
        var units = Path.Combine(_dir, "etc", "systemd", "system");
        var result = StatusCommandTests.Cli(CommandRunner.Current, "install", "--prefix", prefix, "--unit-dir", units);
        Assert.True(result.Ok, result.Stderr);

        var launcher = Path.Combine(prefix, "bin", "junction");
        Assert.Equal("755", CommandRunner.Current.Check("stat", "-c", "%a", launcher).Trim());
        Assert.Matches(@"(?m)^\s+status\s", CommandRunner.Current.Check(launcher, "--help"));

        var unit = File.ReadAllText(Path.Combine(units, "junction.service"));
        Assert.Contains($"ExecStart={launcher} run -c /etc/junction/junction.yaml", unit);
        Assert.Contains("Type=notify", unit);
        Assert.Contains("WatchdogSec=", unit);
        Assert.Contains("Restart=on-failure", unit);
        Assert.Contains("CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW", unit);
        Assert.DoesNotContain("=/usr/local/bin", unit);

        // systemd's own checker, where installed: only the missing config may be mentioned.
        var verify = CommandRunner.Current.Run("systemd-analyze", "verify", Path.Combine(units, "junction.service"));
        if (verify.ExitCode == 127) return;
        Assert.True(verify.Ok, verify.Stderr + verify.Stdout);
        Assert.Equal("", (verify.Stderr + verify.Stdout).Trim());
    }
}
