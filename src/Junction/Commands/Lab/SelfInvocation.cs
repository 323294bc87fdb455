using System.Reflection;

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
        var dll = Assembly.GetEntryAssembly()?.Location;
        if (string.IsNullOrEmpty(dll)) throw new InvalidOperationException("cannot find junction.dll to run it again");
        return (host, [dll]);
    }

    /// <summary>How a person would type it, for printed hints.</summary>
    public static string Shown()
    {
        var (program, args) = Command();
        return string.Join(' ', new[] { program }.Concat(args));
    }
}
