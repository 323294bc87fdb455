using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Ha;

/// <summary><c>junction ha render</c> as a user runs it, and keepalived's own check of what it wrote.</summary>
public sealed class HaRenderCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jta-ha-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string text)
    {
        var path = Path.Combine(_dir, "junction.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    private const string Pair = """
        lan: [lan]
        ha: { state-dir: /run/junction/ha }
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.100.1.1, id: 1, snat: { addresses: [10.100.1.10] } }
          - { name: isp2, interface: wan2, gateway: 10.100.2.1, id: 2, snat: { addresses: [10.100.2.10] } }
        """;

    private static readonly string[] Router1 = ["--router-id", "r1", "--priority", "110", "--lan-vip", "10.9.0.1/24", "--sync-interface", "sync", "--sync-address", "10.254.0.1", "--peer", "10.254.0.2"];

    [Fact]
    public void Output_writes_the_three_files_and_keepalived_accepts_its_configuration()
    {
        var output = Path.Combine(_dir, "out");
        var result = Cli(["ha", "render", "-c", Config(Pair), .. Router1, "--output", output]);

        Assert.True(result.Ok, result.Stderr);
        Assert.Contains("Wrote ", result.Stdout);
        var notify = Path.Combine(output, "notify.sh");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserExecute, File.GetUnixFileMode(notify) & UnixFileMode.UserExecute);
        Assert.Contains($"notify \"{output}/notify.sh\"", File.ReadAllText(Path.Combine(output, "keepalived.conf")));
        Assert.Contains($"conf='{output}/conntrackd.conf'", File.ReadAllText(notify));
        if (CommandRunner.Current.Run("sh", ["-c", "command -v keepalived"]).Ok)
        {
            // In a namespace that has the interfaces the file names, as a router would.
            using var ns = Support.TestNamespace.Create();
            foreach (var iface in new[] { "lan", "wan1", "wan2", "sync" })
                ns.Runner.Run("ip", ["link", "add", iface, "type", "veth", "peer", "name", iface + "p"]).Check();
            var check = ns.Runner.Run("keepalived", ["--config-test", "--use-file", Path.Combine(output, "keepalived.conf")]);
            Assert.True(check.Ok, $"keepalived --config-test: {check.Stdout}{check.Stderr}");
        }
        Assert.True(CommandRunner.Current.Run("sh", ["-n", notify]).Ok, "notify.sh is not valid sh");
    }

    [Fact]
    public void Bad_options_and_a_file_that_cannot_survive_a_takeover_print_every_error_and_write_nothing()
    {
        var output = Path.Combine(_dir, "out");
        var result = Cli(["ha", "render", "-c", Config("""
            lan: [lan]
            uplinks:
              - { name: isp1, interface: wan1, gateway: 10.100.1.1 }
            """), "--priority", "0", "--lan-vip", "10.9.0.1", "--sync-interface", "sync", "--sync-address", "10.254.0.1", "--peer", "10.254.0.1", "--output", output]);

        Assert.Equal(2, result.ExitCode);   // wrong options win over a wrong file: the command line is to fix first
        Assert.Contains("no 'ha:' section", result.Stderr);
        Assert.Contains("--priority 0", result.Stderr);
        Assert.Contains("--lan-vip '10.9.0.1'", result.Stderr);
        Assert.Contains("masquerades", result.Stderr);
        Assert.Contains("nothing was written", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_file_that_cannot_serve_a_pair_is_a_configuration_error_exit_1_not_a_usage_error()
    {
        // The options are right; the file has no 'ha:' and masquerades: exit 1 as validate and plan give a bad file (it was 2).
        var output = Path.Combine(_dir, "out");
        var file = Config("""
            lan: [lan]
            uplinks:
              - { name: isp1, interface: wan1, gateway: 10.100.1.1 }
            """);
        var result = Cli(["ha", "render", "-c", file, .. Router1, "--output", output]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no 'ha:' section", result.Stderr);
        Assert.Contains("masquerades", result.Stderr);
        Assert.Contains("2 errors; nothing was written.", result.Stderr);
        Assert.False(Directory.Exists(output));

        var json = Cli(["ha", "render", "-c", file, .. Router1, "--json"]);
        Assert.Equal(1, json.ExitCode);
        using var doc = System.Text.Json.JsonDocument.Parse(json.Stdout);
        Assert.Equal("ha render", doc.RootElement.GetProperty("verb").GetString());
        Assert.False(doc.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal("2 errors; nothing was written", doc.RootElement.GetProperty("error").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public void Without_output_it_prints_the_files_and_json_carries_them_for_scripts()
    {
        var text = Cli(["ha", "render", "-c", Config(Pair), .. Router1]);
        Assert.True(text.Ok, text.Stderr);
        Assert.Contains("# ==> keepalived.conf <==", text.Stdout);
        Assert.Contains("# ==> conntrackd.conf <==", text.Stdout);
        Assert.Contains("# ==> notify.sh <==", text.Stdout);

        var json = Cli(["ha", "render", "-c", Config(Pair), .. Router1, "--json"]);
        Assert.True(json.Ok, json.Stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(json.Stdout);
        Assert.Contains("vrrp_instance junction", doc.RootElement.GetProperty("keepalived.conf").GetString());
        Assert.False(doc.RootElement.GetProperty("written").GetBoolean());
    }

    private static CommandResult Cli(string[] args) => CommandRunner.Current.Run(Dotnet, [CliDll, .. args], timeout: TimeSpan.FromSeconds(60));

    private static string CliDll => Path.Combine(AppContext.BaseDirectory, "junction.dll");

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}
