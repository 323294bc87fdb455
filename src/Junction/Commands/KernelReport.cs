using System.Text.Json.Nodes;
using Junction.Linux.Apply;
using Junction.Linux.Processes;

namespace Junction.Cli.Commands;

/// <summary>Runs a verb that changes the kernel and reports the outcome, for people or as JSON.</summary>
internal static class KernelReport
{
    public static int Run(string verb, bool json, Func<ApplyResult> change)
    {
        try
        {
            var result = change();
            Console.Write(json ? result.ToJson() + "\n" : result.ToText());
            return ExitCodes.Ok;
        }
        catch (ApplyFailedException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            if (json)
            {
                var failure = CliJson.Failure(verb, e.Reason);
                failure["failedAt"] = e.Failed?.Description;
                failure["rolledBack"] = e.Failed is not null && e.Unchanged;
                failure["unchanged"] = e.Unchanged;
                failure["rollbackProblems"] = new JsonArray(e.RollbackProblems.Select(p => (JsonNode?)p).ToArray());
                Console.WriteLine(failure.ToJsonString(CliJson.Indented));
            }
            if (e.Failed is null && e.Reason.Contains("Operation not permitted", StringComparison.Ordinal))
                Console.Error.WriteLine($"hint: 'junction {verb}' changes the kernel's firewall and routing; run it as root.");
            return ExitCodes.Failed;
        }
        catch (CommandFailedException e)
        {
            return CliJson.Fail(verb, json, e.Message, ExitCodes.Failed);
        }
    }
}
