namespace Junction.Kernel.Tests.Support;

/// <summary>Finds files of the checkout the tests were built from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Junction.slnx")))
                return dir.FullName;
        throw new InvalidOperationException($"no Junction.slnx above {AppContext.BaseDirectory}");
    }
}
