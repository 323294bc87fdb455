namespace Junction.Lab.Commands;

/// <summary>
/// How the lab runs Junction itself (<c>apply</c> on the demo's router, <c>run</c> on the HA
/// pair's): the program in <c>JUNCTION_PROGRAM</c>, which the checkout's <c>./junction</c>
/// launcher sets to itself before it starts the lab, else <c>junction</c> from PATH.
/// </summary>
internal static class JunctionProgram
{
    public const string Variable = "JUNCTION_PROGRAM";

    public static string Path()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } program) return program;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, "junction");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException($"cannot find the junction program: run the lab through the checkout's ./junction (it sets {Variable}), or put junction on PATH");
    }
}
