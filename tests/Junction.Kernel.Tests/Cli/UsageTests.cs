using Junction.Kernel.Tests.Support;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Cli;

/// <summary>
/// The program's exit code for a command line without a command, as the README's table says
/// (2: the command line is wrong), and a hint for the hidden 'docs' that points at something.
/// No namespace: nothing here touches the kernel.
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
        var result = Junction(command.Split(' '));

        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Trim().Split('\n');
        Assert.Contains($"error: {error}", lines);
        Assert.DoesNotContain("System.", result.Stderr, StringComparison.Ordinal);
        Assert.Equal($"Run 'junction {string.Join(' ', command.Split(' ')[..^2])} --help' for its options.", lines[^1]);
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
