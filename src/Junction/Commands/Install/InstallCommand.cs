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
            Description = "Where to install: PREFIX/bin/junction (the native executable; a JIT build goes to PREFIX/lib/junction with a launcher there).",
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
            "Install this build of Junction from a source checkout (the Debian package from packaging/build-deb is the other way): " +
            "the executable PREFIX/bin/junction (a JIT build: the application in PREFIX/lib/junction and a launcher), and the " +
            "systemd unit junction.service (Type=notify, watchdog, restart on failure, only CAP_NET_ADMIN and CAP_NET_RAW). " +
            "Then: write /etc/junction/junction.yaml, 'systemctl daemon-reload', 'systemctl enable --now junction'.")
        {
            prefix, unitDir, dryRun,
        };
        command.SetAction(parse =>
        {
            var prefixPath = Path.GetFullPath(parse.GetValue(prefix)!);
            if (UnsafeForUnit(prefixPath) is { } problem)
            {
                Console.Error.WriteLine($"error: --prefix '{Printable(prefixPath)}' {problem}: the path goes into the systemd unit's " +
                    "ExecStart=, which splits at whitespace and reads quotes and backslashes itself; choose a prefix without them (e.g. /usr/local or /opt/junction)");
                return ExitCodes.Usage;
            }
            var plan = Plan(prefixPath, Path.GetFullPath(parse.GetValue(unitDir)!));
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
        var launcher = Path.Combine(prefix, "bin", "junction");
        var unit = Path.Combine(unitDir, "junction.service");
        var unitStep = new Step($"write {unit}", () => Write(unit, Unit(prefix), Readable));
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program this process runs");
        if (Path.GetFileName(host) != "dotnet")
        {
            // The native build is one executable: it is the program, no launcher needed.
            return [new($"copy {host} to {launcher}", () => CopyFile(host, launcher, Executable)), unitStep];
        }
        var app = AppContext.BaseDirectory.TrimEnd('/');
        var lib = Path.Combine(prefix, "lib", "junction");
        var dll = Path.Combine(lib, "junction.dll");
        // The launcher runs the same dotnet host this command runs under. Every path in it is
        // quoted for the shell: a prefix is data, never a command.
        return
        [
            new($"copy {app}/ to {lib}/", () => Copy(app, lib)),
            new($"write {launcher} (exec {host} {dll})", () =>
                Write(launcher, $"#!/bin/sh\n# Written by 'junction install'.\nexec {ShellQuote(host)} {ShellQuote(dll)} \"$@\"\n", Executable)),
            unitStep,
        ];
    }

    /// <summary>The unit in packaging/systemd/, with the install prefix in its paths (escaped for systemd).</summary>
    internal static string Unit(string prefix)
    {
        using var stream = typeof(InstallCommand).Assembly.GetManifestResourceStream("junction.service")
            ?? throw new InvalidOperationException("the systemd unit is not embedded in this build");
        var text = new StreamReader(stream).ReadToEnd();
        return text.Replace($"{DefaultPrefix}/bin/junction", UnitEscape(Path.Combine(prefix, "bin", "junction")), StringComparison.Ordinal);
    }

    /// <summary>
    /// Why <paramref name="path"/> cannot be written into a unit's command line, or null. systemd
    /// splits ExecStart= at whitespace and reads quotes and backslashes itself; '%' is escaped
    /// instead (<see cref="UnitEscape"/>).
    /// </summary>
    internal static string? UnsafeForUnit(string path)
    {
        foreach (var c in path)
        {
            if (char.IsControl(c)) return "holds a control character";
            if (char.IsWhiteSpace(c)) return "holds whitespace";
            if (c is '"' or '\'' or '\\') return $"holds {c}";
        }
        return null;
    }

    /// <summary>
    /// The program path of an Exec*= line as systemd reads it literally: '%' doubled (no
    /// specifier). '$' stays: systemd expands no variables in the program itself, only in its
    /// arguments (systemd.service(5), "Command lines"); systemd-analyze verify checks it.
    /// </summary>
    internal static string UnitEscape(string path) => path.Replace("%", "%%", StringComparison.Ordinal);

    /// <summary>One shell word that stands for exactly <paramref name="text"/>: single quotes, ' written as '\''.</summary>
    internal static string ShellQuote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));

    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Executable = Readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private static void Write(string path, string text, UnixFileMode mode)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }

    private static void CopyFile(string from, string to, UnixFileMode mode)
    {
        if (Path.GetFullPath(from) == Path.GetFullPath(to)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        // Through a temporary name: the running daemon may be executing the old file ("text file busy").
        var temp = to + ".new";
        File.Copy(from, temp, overwrite: true);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, mode);
        File.Move(temp, to, overwrite: true);
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
