using System.Diagnostics;

namespace Junction.Linux.Processes;

/// <summary>What a finished command printed and how it exited.</summary>
public sealed record CommandResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;

    /// <summary>Throws <see cref="CommandFailedException"/> unless the command exited 0.</summary>
    public CommandResult Check() => Ok ? this : throw new CommandFailedException(this);
}

public sealed class CommandFailedException(CommandResult result)
    : Exception($"'{result.Command}' exited {result.ExitCode}: {FirstLines(result.Stderr.Length > 0 ? result.Stderr : result.Stdout)}")
{
    public CommandResult Result { get; } = result;

    private static string FirstLines(string text) =>
        string.Join(" / ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(6));
}

/// <summary>
/// Runs the kernel's own tools (nft, ip, sysctl, conntrack), optionally inside a named
/// network namespace via <c>ip netns exec</c>. Every edge that touches the kernel goes
/// through one of these, so tests point it at a namespace they made and the machine's
/// own namespace is never touched.
/// </summary>
public sealed class CommandRunner
{
    /// <summary>Runs in the caller's own network namespace.</summary>
    public static readonly CommandRunner Current = new(null);

    public CommandRunner(string? netns) => Netns = netns;

    /// <summary>The namespace commands run in; null for the current one.</summary>
    public string? Netns { get; }

    public CommandResult Run(string program, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var argv = new List<string>();
        if (Netns is not null) argv.AddRange(["netns", "exec", Netns, program]);
        argv.AddRange(args);
        var file = Netns is not null ? "ip" : program;

        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in argv) psi.ArgumentList.Add(a);
        var shown = string.Join(' ', new[] { file }.Concat(argv));

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new CommandResult(shown, 127, "", $"{file}: {e.Message} (is it installed?)");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }
            if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return new CommandResult(shown, 124, stdout.Result, $"timed out after {(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds} s");
            }
            return new CommandResult(shown, process.ExitCode, stdout.Result, stderr.Result);
        }
    }

    public CommandResult Run(string program, params string[] args) => Run(program, (IEnumerable<string>)args);

    /// <summary>Runs and throws <see cref="CommandFailedException"/> on a non-zero exit.</summary>
    public string Check(string program, params string[] args) => Run(program, args).Check().Stdout;
}
