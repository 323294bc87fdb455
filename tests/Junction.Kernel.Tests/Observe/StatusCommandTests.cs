using System.Text.Json;
using Junction.Cli.Control;
using Junction.Kernel.Tests.Balancing;
using Junction.Lab;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Observe;

/// <summary><c>junction status</c> and <c>junction explain</c> as a user runs them: the CLI program against a served socket.</summary>
public sealed class StatusCommandTests : IDisposable
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
    private readonly string _dir = Directory.CreateTempSubdirectory("jto-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Without_a_daemon_status_says_how_to_start_one()
    {
        var socket = Path.Combine(_dir, "none.sock");
        var result = Cli(CommandRunner.Current, "status", "--socket", socket);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: no daemon is listening on {socket}: start it with 'junction run -c FILE' or 'systemctl start junction'", result.Stderr.Trim());
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Fact]
    public async Task Status_prints_a_table_without_colour_when_piped_and_json_for_scripts()
    {
        await using var lab = BalancedLab.Start(new LabOptions { Uplinks = 2 });
        lab.Apply(lab.Config("lan: [lan]", [1, 1]));
        var socket = Path.Combine(_dir, "junction.sock");
        await using var server = await ControlServer.StartAsync(new FakeStatusSource(lab.Model!, "lab.yaml"), lab.Model!,
            lab.Lab.Network.Router, new ControlOptions { SocketPath = socket }, Cancel);
        await using var held = await lab.Hold(8);

        var text = Cli(CommandRunner.Current, "status", "--socket", socket);
        Assert.True(text.Ok, text.Stderr);
        Assert.DoesNotContain("\u001b[", text.Stdout);
        Assert.Matches(@"(?m)^isp1\s+wan1\s+up\s.*\s4 \(50 %\)\s+4 \(50 %\)", text.Stdout);
        TestContext.Current.SendDiagnosticMessage(text.Stdout);

        var json = Cli(CommandRunner.Current, "status", "--socket", socket, "--json");
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal(4, doc.RootElement.GetProperty("uplinks")[1].GetProperty("connections").GetInt64());

        var o = held.Outcomes[0];
        var explain = Cli(CommandRunner.Current, "explain", $"tcp {o.Local} -> {lab.Topology.Service}", "--socket", socket);
        Assert.True(explain.Ok, explain.Stderr);
        Assert.Contains($"uses:   uplink 'isp{lab.Topology.UplinkOf(o.Seen!.Address)}'", explain.Stdout);
    }

    [Fact]
    public void Explain_without_a_daemon_works_from_the_configuration()
    {
        var config = Path.Combine(_dir, "j.yaml");
        File.WriteAllText(config, "balance: hash-source\nuplinks:\n  - { name: a, interface: wan1, gateway: 10.1.0.1 }\n  - { name: b, interface: wan2, gateway: 10.2.0.1 }\npin:\n  - { to: 203.0.113.0/24, via: b }\n");
        using var ns = Support.TestNamespace.Create();
        var pinned = Cli(ns.Runner, "explain", "203.0.113.5", "-c", config, "--json");
        Assert.True(pinned.Ok, pinned.Stderr);
        using var doc = JsonDocument.Parse(pinned.Stdout);
        Assert.Equal("pinned", doc.RootElement.GetProperty("decision").GetString());
        Assert.Equal("b", doc.RootElement.GetProperty("uplink").GetString());

        var hashed = Cli(ns.Runner, "explain", "198.51.100.1", "from", "10.9.0.7", "-c", config);
        Assert.Contains("uses:   uplink '", hashed.Stdout);
        Assert.Contains("jhash of 10.9.0.7", hashed.Stdout);

        var bad = Cli(ns.Runner, "explain", "tcp", "nowhere:80", "-c", config);
        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("error: 'nowhere:80' is not an address", bad.Stderr);
    }

    internal static CommandResult Cli(CommandRunner runner, params string[] args) => runner.Run(Dotnet, [CliDll, .. args]);

    internal static string CliDll => Path.Combine(AppContext.BaseDirectory, "junction.dll");

    internal static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}
