using System.Text.Json;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// <c>junction apply</c> and <c>junction flush</c> as a user runs them: the CLI program,
/// started inside a test namespace with <c>ip netns exec</c>.
/// </summary>
public sealed class ApplyCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jta-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void An_invalid_configuration_prints_every_error_and_changes_nothing()
    {
        using var ns = TestNamespace.Create().Uplinks();
        new KernelApplier(ns.Runner).Apply(Configs.Plan(Configs.TwoUplinks));
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);
        var bad = Write("bad.yaml", """
            balance: fastest
            uplinks:
              - { name: isp1, interface: wan1, gateway: 10.11.0.1, weight: -1 }
              - { name: isp1, interface: wan2, gateway: not-an-address }
            """);

        var result = Cli(ns, "apply", "-c", bad);

        Assert.Equal(1, result.ExitCode);
        Assert.True(result.Stderr.Split('\n').Count(l => l.StartsWith("error: ", StringComparison.Ordinal)) >= 3, result.Stderr);
        Assert.Contains("nothing was changed", result.Stderr);
        AssertNoStackTrace(result);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
        Assert.Equal(sysctls, KernelState.Sysctls(ns.Runner, Configs.SysctlKeys));
    }

    [Fact]
    public void Apply_then_apply_again_then_flush_through_the_cli_as_json()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);
        var config = Write("junction.yaml", Configs.TwoUplinks);

        var first = Json(Cli(ns, "apply", "-c", config, "--json"));
        var second = Json(Cli(ns, "apply", "-c", config, "--json"));
        var down = Json(Cli(ns, "apply", "-c", config, "--down", "isp1", "--json"));
        var flush = Json(Cli(ns, "flush", "--json"));

        Assert.True(first.GetProperty("changed").GetBoolean());
        Assert.False(second.GetProperty("changed").GetBoolean());
        Assert.Equal(0, second.GetProperty("changes").GetArrayLength());
        Assert.Equal(1, down.GetProperty("changes").GetArrayLength());
        Assert.True(flush.GetProperty("changed").GetBoolean());
        KernelState.AssertFlushedTo(ns.Runner, before, sysctls);
    }

    [Fact]
    public void When_the_table_was_removed_by_hand_flush_warns_and_flush_with_the_config_cleans_the_rest()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var before = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);
        var config = Write("junction.yaml", Configs.TwoUplinks);
        Assert.Equal(0, Cli(ns, "apply", "-c", config).ExitCode);
        ns.Runner.Check("nft", "flush", "ruleset");

        var plain = Cli(ns, "flush");
        Assert.Equal(0, plain.ExitCode);
        Assert.Contains("warning: no Junction table is installed, but", plain.Stderr);
        Assert.Contains("junction flush -c FILE", plain.Stderr);

        var withConfig = Cli(ns, "flush", "-c", config);
        Assert.Equal(0, withConfig.ExitCode);
        Assert.DoesNotContain("warning", withConfig.Stderr);
        KernelState.AssertFlushedTo(ns.Runner, before, sysctls);
    }

    [Fact]
    public void A_kernel_failure_is_one_error_line_and_the_apply_is_rolled_back()
    {
        using var ns = TestNamespace.Create().Uplinks();
        Assert.Equal(0, Cli(ns, "apply", "-c", Write("good.yaml", Configs.TwoUplinks)).ExitCode);
        var before = KernelState.Of(ns.Runner);

        var result = Cli(ns, "apply", "-c", Write("broken.yaml", Configs.ThreeUplinks.Replace("10.13.0.1", "10.99.0.1")));

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: apply failed at", error);
        Assert.Contains("rolled back", error);
        AssertNoStackTrace(result);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
    }

    [Fact]
    public void Help_explains_what_flush_does_with_sysctls()
    {
        var help = CommandRunner.Current.Run(Dotnet, CliDll, "flush", "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("NOT restored", help.Stdout);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static CommandResult Cli(TestNamespace ns, params string[] args) => ns.Runner.Run(Dotnet, [CliDll, .. args]);

    private static JsonElement Json(CommandResult result)
    {
        Assert.True(result.Ok, $"{result.Command}: {result.Stderr}");
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.Clone();
    }

    private static void AssertNoStackTrace(CommandResult result) =>
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr);

    /// <summary>The CLI, built next to the tests through the project reference.</summary>
    private static string CliDll => Path.Combine(AppContext.BaseDirectory, "junction.dll");

    /// <summary>The dotnet host that runs these tests (set by 'dotnet test'), else the one on PATH.</summary>
    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}
