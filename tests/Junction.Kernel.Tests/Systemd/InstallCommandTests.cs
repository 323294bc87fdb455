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

    [Fact]
    public void A_prefix_with_a_command_in_it_is_installed_as_data_and_the_command_never_runs()
    {
        var marker = Path.Combine(_dir, "ran");
        // No space, so the prefix is accepted: the launcher quotes it for the shell; systemd
        // expands nothing in a program path (systemd-analyze verify finds the file by it).
        var prefix = Path.Combine(_dir, $"x$(touch${{IFS}}{marker})`touch${{IFS}}{marker}`");
        var units = Path.Combine(_dir, "units");
        var result = StatusCommandTests.Cli(CommandRunner.Current, "install", "--prefix", prefix, "--unit-dir", units);
        Assert.True(result.Ok, result.Stderr);

        var launcher = Path.Combine(prefix, "bin", "junction");
        Assert.Matches(@"(?m)^\s+status\s", CommandRunner.Current.Check(launcher, "--help"));
        Assert.False(File.Exists(marker), "the launcher ran the command in the prefix");

        var unit = File.ReadAllText(Path.Combine(units, "junction.service"));
        Assert.Contains($"ExecStart={launcher} run -c /etc/junction/junction.yaml", unit);
        var verify = CommandRunner.Current.Run("systemd-analyze", "verify", Path.Combine(units, "junction.service"));
        if (verify.ExitCode != 127) Assert.True(verify.Ok, verify.Stderr + verify.Stdout);
        Assert.False(File.Exists(marker));
    }

    [Theory]
    [InlineData("/x$(touch /tmp/p)", "holds whitespace")]
    [InlineData("/opt/a\"b", "holds \"")]
    [InlineData("/opt/a\\b", "holds \\")]
    [InlineData("/opt/a\nb", "holds a control character")]
    public void A_prefix_the_unit_cannot_hold_is_refused_and_nothing_is_written(string prefix, string why)
    {
        var units = Path.Combine(_dir, "units");
        var result = StatusCommandTests.Cli(CommandRunner.Current, "install", "--prefix", prefix, "--unit-dir", units);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error: --prefix", result.Stderr);
        Assert.Contains(why, result.Stderr);
        Assert.False(Directory.Exists(units));
        Assert.False(File.Exists("/tmp/p") && File.GetLastWriteTimeUtc("/tmp/p") > DateTime.UtcNow.AddMinutes(-1));
    }
}
