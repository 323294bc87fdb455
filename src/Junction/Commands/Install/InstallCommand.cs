using System.CommandLine;

namespace Junction.Cli.Commands.Install;

/// <summary><c>junction install</c>: put this build and the systemd unit in place.</summary>
internal static class InstallCommand
{
    public const string DefaultPrefix = "/usr/local";
    public const string DefaultUnitDir = "/etc/systemd/system";

    public static Command Create()
    {
        var prefix = new Option<string>("--prefix")
        {
            Description = "Where to install: PREFIX/lib/junction (the application) and PREFIX/bin/junction (a launcher).",
            DefaultValueFactory = _ => DefaultPrefix,
            HelpName = "DIR",
        };
        var unitDir = new Option<string>("--unit-dir")
        {
            Description = "Where the systemd unit junction.service goes.",
            DefaultValueFactory = _ => DefaultUnitDir,
            HelpName = "DIR",
        };
        var dryRun = CommonOptions.DryRun("Print what would be copied and written; change nothing.");
        var command = new Command("install",
            "Install this build of Junction: the application into PREFIX/lib/junction, a launcher PREFIX/bin/junction, and the " +
            "systemd unit junction.service (Type=notify, watchdog, restart on failure, only CAP_NET_ADMIN and CAP_NET_RAW). " +
            "Then: write /etc/junction/junction.yaml, 'systemctl daemon-reload', 'systemctl enable --now junction'.")
        {
            prefix, unitDir, dryRun,
        };
        command.SetAction(parse =>
        {
            var plan = Plan(Path.GetFullPath(parse.GetValue(prefix)!), Path.GetFullPath(parse.GetValue(unitDir)!));
            var dry = parse.GetValue(dryRun);
            foreach (var step in plan)
            {
                Console.WriteLine((dry ? "would " : "") + step.Describe);
                if (!dry) step.Run();
            }
            var bin = Path.Combine(Path.GetFullPath(parse.GetValue(prefix)!), "bin", "junction");
            Console.WriteLine(dry ? "nothing was changed (--dry-run)" :
                $"installed. Next: write /etc/junction/junction.yaml (check it with '{bin} validate -c /etc/junction/junction.yaml'), then 'systemctl daemon-reload' and 'systemctl enable --now junction'.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private sealed record Step(string Describe, Action Run);

    private static List<Step> Plan(string prefix, string unitDir)
    {
        var app = AppContext.BaseDirectory.TrimEnd('/');
        var lib = Path.Combine(prefix, "lib", "junction");
        var launcher = Path.Combine(prefix, "bin", "junction");
        var unit = Path.Combine(unitDir, "junction.service");
        // The launcher runs the same dotnet host this command runs under (or the one on PATH).
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileName(host) == "dotnet" ? host : "/usr/bin/env dotnet";
        return
        [
            new($"copy {app}/ to {lib}/", () => Copy(app, lib)),
            new($"write {launcher} (exec {dotnet} {lib}/junction.dll)", () =>
                Write(launcher, $"#!/bin/sh\n# Written by 'junction install'.\nexec {dotnet} {lib}/junction.dll \"$@\"\n", Executable)),
            new($"write {unit}", () => Write(unit, Unit(prefix), Readable)),
        ];
    }

    /// <summary>The unit in packaging/systemd/, with the install prefix in its paths.</summary>
    internal static string Unit(string prefix)
    {
        using var stream = typeof(InstallCommand).Assembly.GetManifestResourceStream("junction.service")
            ?? throw new InvalidOperationException("the systemd unit is not embedded in this build");
        var text = new StreamReader(stream).ReadToEnd();
        return text.Replace($"{DefaultPrefix}/bin/junction", Path.Combine(prefix, "bin", "junction"), StringComparison.Ordinal);
    }

    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Executable = Readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private static void Write(string path, string text, UnixFileMode mode)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }

    private static void Copy(string from, string to)
    {
        if (Path.GetFullPath(from) == Path.GetFullPath(to)) return;
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
