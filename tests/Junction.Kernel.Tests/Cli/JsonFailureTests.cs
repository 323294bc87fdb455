using System.Text.Json;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Cli;

/// <summary>
/// A script that asked for <c>--json</c> gets one JSON object on stdout when the verb fails,
/// <c>{"verb", "ok": false, "error"}</c> as apply, flush and confirm always printed, with the
/// exit code the verb had without it; the people's 'error:' line stays on stderr. Status, the
/// operator verbs and explain used to print only the stderr line. Only the verbs that could
/// change a kernel get a namespace of their own; the rest never reach one.
/// </summary>
public sealed class JsonFailureTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string NoSocket => Path.Combine(Path.GetTempPath(), $"jta-no-daemon-{Guid.NewGuid():N}.sock");

    private const string Invalid = "balance: nope\nuplinks:\n  - { name: a, interface: wan1, gateway: 10.1.0.1 }\n  - { name: a, interface: wan2, gateway: 10.2.0.1 }\n";

    private const string Valid = "uplinks:\n  - { name: a, interface: wan1, gateway: 10.1.0.1 }\n  - { name: b, interface: wan2, gateway: 10.2.0.1 }\n";

    /// <summary>The one JSON object on stdout, after checking the common fields and the stderr line.</summary>
    private static JsonElement Failure(CommandResult result, string verb, int code)
    {
        Assert.True(result.ExitCode == code, $"exit {result.ExitCode}, not {code}\nstdout: {result.Stdout}\nstderr: {result.Stderr}");
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement.Clone();
        Assert.Equal(verb, root.GetProperty("verb").GetString());
        Assert.False(root.GetProperty("ok").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("error").GetString()));
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        return root;
    }

    [Theory]
    [InlineData("status")]
    [InlineData("drain", "nosuch")]
    [InlineData("auto", "nosuch")]
    public void Without_a_daemon_the_daemon_verbs_say_so_in_json_and_exit_1(params string[] verb)
    {
        var socket = NoSocket;
        var result = JunctionCli.Run(CommandRunner.Current, [.. verb, "--json", "--socket", socket]);

        var json = Failure(result, verb[0], 1);
        Assert.Contains($"no daemon is listening on {socket}", json.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_json_a_failure_is_still_only_the_stderr_line()
    {
        var result = JunctionCli.Run(CommandRunner.Current, "drain", "nosuch", "--socket", NoSocket);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.StartsWith("error: no daemon is listening on ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_line_the_parser_rejects_is_json_too_when_json_is_on_it()
    {
        var result = JunctionCli.Run(CommandRunner.Current, "status", "--json", "--interval", "abc", "--nosuch");

        var json = Failure(result, "status", 2);
        Assert.Contains("--interval: 'abc' is not a number", json.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("--nosuch", json.GetProperty("error").GetString(), StringComparison.Ordinal);
        // Without --json set, the stderr lines only: not asked, taken as another option's
        // value, set to false, or on a verb that has no --json.
        foreach (var args in new[] { ["status", "--interval", "abc"], ["status", "--socket", "--json", "--nosuch"], ["status", "--json=false", "--nosuch"], new[] { "run", "--json" } })
        {
            var plain = JunctionCli.Run(CommandRunner.Current, args);
            Assert.Equal(2, plain.ExitCode);
            Assert.Equal("", plain.Stdout);
        }
    }

    [Fact]
    public void Explain_with_a_query_it_cannot_read_answers_in_json_and_exits_2()
    {
        var result = JunctionCli.Run(CommandRunner.Current, "explain", "tcp", "nowhere:80", "--json", "--socket", NoSocket);

        var json = Failure(result, "explain", 2);
        Assert.StartsWith("'nowhere:80' is not an address", json.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_and_explain_with_an_invalid_file_list_its_errors_in_json_and_exit_1()
    {
        var config = _dir.Write("j.yaml", Invalid);

        foreach (var args in new[] { new[] { "plan", "-c", config, "--json" }, ["explain", "203.0.113.5", "-c", config, "--json"] })
        {
            var json = Failure(JunctionCli.Run(CommandRunner.Current, args), args[0], 1);
            var errors = json.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
            Assert.Equal(2, errors.Count);
            Assert.All(errors, e => Assert.StartsWith(config + ":", e, StringComparison.Ordinal));
            Assert.Equal($"{config}: 2 errors", json.GetProperty("error").GetString());
        }
    }

    [Fact]
    public void Plan_down_naming_no_uplink_answers_in_json_and_exits_2()
    {
        var config = _dir.Write("j.yaml", Valid);

        var json = Failure(JunctionCli.Run(CommandRunner.Current, "plan", "-c", config, "--down", "nosuch", "--json"), "plan", 2);
        Assert.Equal("--down nosuch: no such uplink (uplinks: a, b)", json.GetProperty("error").GetString());
    }

    [Fact]
    public void Apply_and_flush_with_an_invalid_file_answer_in_json_and_change_nothing()
    {
        // In a namespace of its own: were the file check gone, these verbs would reach a kernel.
        using var ns = TestNamespace.Create();
        var config = _dir.Write("j.yaml", Invalid);

        foreach (var verb in new[] { "apply", "flush" })
        {
            var json = Failure(JunctionCli.Run(ns, verb, "-c", config, "--json"), verb, 1);
            Assert.Equal($"{config}: 2 errors; nothing was changed", json.GetProperty("error").GetString());
        }
        Assert.DoesNotContain("junction", ns.Runner.Run("nft", "list", "tables").Stdout, StringComparison.Ordinal);
    }
}
