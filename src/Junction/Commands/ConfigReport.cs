using System.Text.Json.Nodes;
using Junction.Configuration;
using Junction.Model;

namespace Junction.Cli.Commands;

/// <summary>Loads a configuration for a verb, printing every error the way the user can act on it.</summary>
internal static class ConfigReport
{
    /// <param name="changesKernel">Whether the verb would have touched the kernel: only then is "nothing was changed" news.</param>
    /// <param name="jsonVerb">
    /// The verb whose <c>--json</c> was asked for, or null: then the errors are also printed as
    /// <see cref="CliJson.Failure"/> on stdout, one per line under <c>errors</c>.
    /// </param>
    public static JunctionModel? Load(string path, TextWriter error, bool changesKernel = false, string? jsonVerb = null)
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
            var summary = changesKernel ? $"{count}; nothing was changed." : $"{count}.";
            error.WriteLine(summary);
            if (jsonVerb is not null)
            {
                var failure = CliJson.Failure(jsonVerb, $"{path}: {summary.TrimEnd('.')}");
                failure["errors"] = new JsonArray(e.Errors.Select(p => (JsonNode?)p.ToString()).ToArray());
                Console.WriteLine(failure.ToJsonString(CliJson.Indented));
            }
            return null;
        }
    }

}
