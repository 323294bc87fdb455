using System.CommandLine;
using System.Text.Json.Nodes;
using Junction.Configuration;

namespace Junction.Cli.Commands.Validate;

/// <summary><c>junction validate</c>: check a configuration file without touching the kernel.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var command = new Command("validate", "Check a configuration file and list every error with its line and column. Exits 1 on any error; never touches the kernel.")
        {
            config, json,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(config)!;
            if (!parse.GetValue(json))
            {
                if (ConfigReport.Load(path, Console.Error) is null) return ExitCodes.Failed;
                Console.WriteLine($"{path}: valid");
                return ExitCodes.Ok;
            }

            IReadOnlyList<ConfigError> errors;
            try
            {
                ConfigLoader.Load(path);
                errors = [];
            }
            catch (ConfigException e)
            {
                errors = e.Errors;
            }
            var result = new JsonObject
            {
                ["file"] = path,
                ["valid"] = errors.Count == 0,
                ["errors"] = new JsonArray(errors.Select(e => (JsonNode?)new JsonObject
                {
                    ["file"] = e.File,
                    ["line"] = e.Position.Line,
                    ["column"] = e.Position.Column,
                    ["entity"] = e.Entity,
                    ["problem"] = e.Problem,
                    ["fix"] = e.Fix,
                }).ToArray()),
            };
            Console.WriteLine(result.ToJsonString(CliJson.Indented));
            return errors.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }
}
