namespace Junction.Linux.Processes;

/// <summary>
/// The program and leading arguments that run this same build again, e.g. in another
/// namespace via <c>ip netns exec</c>: <c>dotnet /path/NAME.dll</c> when run through the
/// dotnet host, the executable itself otherwise (the native build, an apphost).
/// </summary>
public static class SelfInvocation
{
    public static (string Program, IReadOnlyList<string> Args) Command()
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program this process runs");
        if (Path.GetFileNameWithoutExtension(host) != "dotnet") return (host, []);
        // Only a JIT build runs through dotnet; a native one is the program itself.
        var name = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? throw new InvalidOperationException("cannot tell which assembly this process runs");
        var dll = Path.Combine(AppContext.BaseDirectory, name + ".dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"cannot find {dll} to run it again");
        return (host, [dll]);
    }
}
