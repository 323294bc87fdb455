using System.CommandLine;

namespace Junction.Cli.Commands.Docs;

/// <summary>
/// <c>junction docs man|bash|zsh</c> (hidden): the man page junction(8) and shell completion,
/// written from the same command tree as <c>--help</c>, so a new verb or option appears in
/// all of them without anyone editing a second copy. packaging/build-deb runs it.
/// </summary>
internal static class DocsCommand
{
    public static Command Create(RootCommand root)
    {
        var man = new Command("man", "Print the man page junction(8) (roff).");
        man.SetAction(_ => Print(ManPage.Write(root)));
        var bash = new Command("bash", "Print the bash completion script.");
        bash.SetAction(_ => Print(Completion.Bash(root)));
        var zsh = new Command("zsh", "Print the zsh completion script (_junction).");
        zsh.SetAction(_ => Print(Completion.Zsh(root)));
        return new Command("docs", "Print generated documentation: the man page or a shell completion script.")
        {
            Hidden = true,
            Subcommands = { man, bash, zsh },
        };
    }

    private static int Print(string text)
    {
        Console.Out.Write(text);
        return ExitCodes.Ok;
    }

    /// <summary>Every visible command under <paramref name="command"/> with its words from the root, depth first.</summary>
    internal static IEnumerable<(string Path, Command Command)> Walk(Command command, string path = "")
    {
        foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
        {
            var here = path.Length == 0 ? sub.Name : $"{path} {sub.Name}";
            yield return (here, sub);
            foreach (var deeper in Walk(sub, here)) yield return deeper;
        }
    }

    /// <summary>The options people type (help included once, as --help).</summary>
    internal static IEnumerable<Option> Options(Command command) =>
        command.Options.Where(o => !o.Hidden && o.Name is not "--version");

    /// <summary>Whether an option is a switch (takes no value).</summary>
    internal static bool IsSwitch(Option option) =>
        option.ValueType == typeof(bool) || option.Name == "--help";
}
