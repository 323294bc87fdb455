using System.Text.Json.Nodes;
using Junction.Kernel.Tests.Support;
using Junction.Lab;
using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Lab;

/// <summary>
/// The lab as its own program (junction-lab): 'lab demo' builds a lab, has the junction
/// program it is given (JUNCTION_PROGRAM, as ./junction sets it) apply on the router, and the
/// server sees the connections split by the weights; the lab is gone afterwards.
/// </summary>
public sealed class LabProgramTests
{
    [Fact]
    public void Lab_demo_runs_the_junction_program_it_is_given_and_the_split_follows_the_weights()
    {
        TestLab.SkipUnlessNamespaces();
        using var dir = new TempDir();
        // A launcher like ./junction: one path that runs the CLI built next to the tests.
        var junction = dir.Write("junction", $"#!/bin/sh\nexec '{JunctionCli.Dotnet}' '{JunctionCli.Dll}' \"$@\"\n");
        CommandRunner.Current.Check("chmod", "+x", junction);
        var prefix = TestLab.UniquePrefix();
        try
        {
            var demo = CommandRunner.Current.Run("env", [$"JUNCTION_PROGRAM={junction}", JunctionCli.Dotnet,
                Path.Combine(AppContext.BaseDirectory, "junction-lab.dll"), "lab", "demo", "--prefix", prefix, "-u", "2", "-n", "60", "--json"],
                timeout: TimeSpan.FromMinutes(3));

            Assert.True(demo.Ok, demo.Stdout + demo.Stderr);
            var result = JsonNode.Parse(demo.Stdout)!;
            Assert.True((bool)result["applied"]!);
            Assert.Equal([30, 30], result["uplinks"]!.AsArray().Select(u => (int)u!["connections"]!));
            Assert.Empty(LabNetwork.NamespacesOf(prefix));
        }
        finally
        {
            LabNetwork.Down(prefix);
        }
    }

    [Theory]
    [InlineData("junction.dll", "plan")]
    [InlineData("junction-lab.dll", "lab demo")]
    public void A_wrong_option_gets_one_error_line_and_the_command_to_read_as_junction_spells_it(string program, string verb)
    {
        var result = CommandRunner.Current.Run(JunctionCli.Dotnet, [Path.Combine(AppContext.BaseDirectory, program), .. verb.Split(' '), "--bogus"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["error: Unrecognized command or argument '--bogus'.", $"Run 'junction {verb} --help' for its options."],
            result.Stderr.Trim().Split('\n'));
    }
}
