using Junction.Configuration;
using Junction.Model;

namespace Junction.Cli.Commands;

/// <summary>Loads a configuration for a verb, printing every error the way the user can act on it.</summary>
internal static class ConfigReport
{
    public static JunctionModel? Load(string path, TextWriter error)
    {
        try
        {
            return ConfigLoader.Load(path);
        }
        catch (ConfigException e)
        {
            foreach (var problem in e.Errors)
                error.WriteLine($"error: {problem}");
            error.WriteLine(e.Errors.Count == 1 ? "1 error; nothing was changed." : $"{e.Errors.Count} errors; nothing was changed.");
            return null;
        }
    }
}
