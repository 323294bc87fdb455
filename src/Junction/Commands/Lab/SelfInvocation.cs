namespace Junction.Cli.Commands.Lab;

/// <summary>
/// The program and leading arguments that run this same junction build again, e.g. in
/// another namespace via <c>ip netns exec</c>: <c>dotnet /path/junction.dll</c> when run
/// through the dotnet host (as ./junction does), the apphost itself otherwise.
/// </summary>
internal static class SelfInvocation
{
    public static (string Program, IReadOnlyList<string> Args) Command()
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program this process runs");
        if (Path.GetFileNameWithoutExtension(host) != "dotnet") return (host, []);
        // Only the JIT build runs through dotnet; the native one is the program itself.
        var dll = Path.Combine(AppContext.BaseDirectory, "junction.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"cannot find {dll} to run it again");
        return (host, [dll]);
    }

    /// <summary>How a person would type it, for printed hints.</summary>
    public static string Shown()
    {
        var (program, args) = Command();
        return string.Join(' ', new[] { program }.Concat(args));
    }
}
