using Junction.Linux.Processes;

namespace Junction.Kernel.Tests.Support;

/// <summary>The CLI program built next to the tests, run as a user runs it (through a runner that may enter a namespace).</summary>
internal static class JunctionCli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "junction.dll");

    /// <summary>The dotnet host that runs these tests (set by 'dotnet test'), else the one on PATH.</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    public static CommandResult Run(TestNamespace ns, params string[] args) => Run(ns.Runner, args);

    public static CommandResult Run(CommandRunner runner, params string[] args) =>
        runner.Run(Dotnet, [Dll, .. args], timeout: TimeSpan.FromSeconds(120));
}

/// <summary>A directory for one test's files, removed after it.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("jta-").FullName;

    public string Write(string name, string text)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
