using Junction.Configuration;
using Junction.Model;

namespace Junction.Cli.Commands;

/// <summary>Loads a configuration for a verb, printing every error the way the user can act on it.</summary>
internal static class ConfigReport
{
    /// <param name="changesKernel">Whether the verb would have touched the kernel: only then is "nothing was changed" news.</param>
    public static JunctionModel? Load(string path, TextWriter error, bool changesKernel = false)
    {
        try
        {
            return ConfigLoader.Load(path);
        }
        catch (ConfigException e)
        {
            foreach (var problem in e.Errors)
                error.WriteLine($"error: {problem}");
            var count = e.Errors.Count == 1 ? "1 error" : $"{e.Errors.Count} errors";
            error.WriteLine(changesKernel ? $"{count}; nothing was changed." : $"{count}.");
            return null;
        }
    }
}
