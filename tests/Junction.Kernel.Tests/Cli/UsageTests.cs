using Junction.Kernel.Tests.Support;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Cli;

/// <summary>
/// The program's exit code for a command line without a command, as the README's table says
/// (2: the command line is wrong), and a hint for the hidden 'docs' that points at something.
/// Only the verbs that could change a kernel get a namespace of their own; the rest never reach one.
/// </summary>
public sealed class UsageTests
{
    private static CommandResult Junction(params string[] args) => JunctionCli.Run(CommandRunner.Current, args);

    [Fact]
    public void Junction_alone_shows_the_commands_and_exits_2()
    {
        var result = Junction();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Commands:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("validate", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status --interval abc", "--interval: 'abc' is not a number")]
    [InlineData("apply --confirm soon", "--confirm: 'soon' is not a whole number")]
    [InlineData("ha render --priority high", "--priority: 'high' is not a whole number")]
    public void A_value_that_is_not_a_number_gets_one_plain_error_line(string command, string error)
    {
        // 'status --interval abc' ended in an unhandled exception (and a core dump); the others
        // named the .NET type ('System.Nullable`1[System.Int32]').
        using var ns = TestNamespace.Create();
        var result = JunctionCli.Run(ns, command.Split(' '));

        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Trim().Split('\n');
        Assert.Contains($"error: {error}", lines);
        Assert.DoesNotContain("System.", result.Stderr, StringComparison.Ordinal);
        Assert.Equal($"Run 'junction {string.Join(' ', command.Split(' ')[..^2])} --help' for its options.", lines[^1]);
    }

    [Theory]
    [InlineData("flush", "NaN")]
    [InlineData("apply", "-1")]
    [InlineData("confirm", "86400")]
    public void A_wait_that_is_no_number_of_seconds_up_to_an_hour_is_refused_before_anything_runs(string verb, string seconds)
    {
        // 'flush --wait NaN' threw from TimeSpan.FromSeconds after the command had started. In a
        // namespace of its own: were the check gone, these verbs would reach a kernel.
        using var ns = TestNamespace.Create();
        var result = JunctionCli.Run(ns, verb, "--wait", seconds);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["error: --wait must be from 0 to 3600 seconds", $"Run 'junction {verb} --help' for its options."],
            result.Stderr.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("status --interval NaN", "--interval must be from 0.2 to 3600 seconds")]
    [InlineData("status --interval 0.1", "--interval must be from 0.2 to 3600 seconds")]
    [InlineData("ha render --preempt-delay NaN", "--preempt-delay must be from 0 to 1000 seconds")]
    public void NaN_is_no_number_of_seconds(string command, string error)
    {
        // 'status --interval NaN' passed the range check (NaN compares false) and threw from TimeSpan.FromSeconds.
        using var ns = TestNamespace.Create();
        var result = JunctionCli.Run(ns, command.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error: {error}", result.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain("exception", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Docs_without_its_command_names_them_instead_of_an_empty_help()
    {
        var result = Junction("docs");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["error: Required command was not provided.", "Its commands: junction docs man|bash|zsh."],
            result.Stderr.Trim().Split('\n'));
    }
}
