namespace Junction.Bench.Report;

/// <summary>The repository the benchmark runs from (the folder holding Junction.slnx).</summary>
public static class Repo
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Junction.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("run the benchmark from inside the Junction repository (no Junction.slnx found above the current folder)");
    }
}
