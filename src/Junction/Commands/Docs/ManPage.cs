using System.CommandLine;
using System.Text;

namespace Junction.Cli.Commands.Docs;

/// <summary>junction(8) in roff (man(7) macros), from the command tree.</summary>
internal static class ManPage
{
    public static string Write(RootCommand root)
    {
        var version = typeof(ManPage).Assembly.GetName().Version?.ToString(3) ?? "0";
        var w = new StringBuilder();
        w.Append($".TH JUNCTION 8 \"\" \"junction {version}\" \"System Administration\"\n");
        w.Append(".SH NAME\njunction \\- per-connection egress load balancing over uplinks (nftables and policy routing)\n");
        w.Append(".SH SYNOPSIS\n");
        foreach (var (path, command) in DocsCommand.Walk(root).Where(c => c.Command.Subcommands.All(s => s.Hidden)))
            w.Append($"\\fBjunction {Escape(path)}\\fR [\\fIoptions\\fR]{Arguments(command)}\n.br\n");
        w.Append(".SH DESCRIPTION\n").Append(Paragraphs(root.Description ?? ""));
        w.Append(".SH COMMANDS\n");
        foreach (var (path, command) in DocsCommand.Walk(root))
        {
            w.Append($".SS \"junction {Escape(path)}\"\n").Append(Paragraphs(command.Description ?? ""));
            foreach (var argument in command.Arguments.Where(a => !a.Hidden))
                w.Append($".TP\n.I {Escape(argument.HelpName ?? argument.Name)}\n{Escape(argument.Description ?? "")}\n");
            foreach (var option in DocsCommand.Options(command).Where(o => o.Name != "--help"))
            {
                var names = string.Join(", ", new[] { option.Name }.Concat(option.Aliases.Order()).Select(n => $"\\fB{Escape(n)}\\fR"));
                var value = DocsCommand.IsSwitch(option) ? "" : $" \\fI{Escape(option.HelpName ?? "VALUE")}\\fR";
                w.Append($".TP\n{names}{value}\n{Escape(option.Description ?? "")}\n");
            }
        }
        w.Append("""
            .SH EXIT STATUS
            .TP
            .B 0
            done
            .TP
            .B 1
            the configuration is invalid, or the kernel refused a change (rolled back)
            .TP
            .B 2
            the command line is wrong
            .SH FILES
            .TP
            .I /etc/junction/junction.yaml
            the configuration (see /usr/share/doc/junction/examples)
            .TP
            .I /run/junction/junction.sock
            the running daemon's control socket (status, explain, metrics)
            .SH SEE ALSO
            .BR nft (8),
            .BR ip-rule (8),
            .BR conntrack (8),
            .BR systemctl (1)

            """.Replace("\r", ""));
        return w.ToString();
    }

    private static string Arguments(Command command) => string.Concat(command.Arguments.Where(a => !a.Hidden)
        .Select(a => $" \\fI{Escape(a.HelpName ?? a.Name).ToUpperInvariant()}\\fR"));

    /// <summary>Each line of the description as a paragraph.</summary>
    private static string Paragraphs(string text) =>
        string.Concat(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => $".PP\n{Escape(line)}\n"));

    /// <summary>Text as roff shows it literally: backslashes and dashes escaped, no line read as a request.</summary>
    internal static string Escape(string text)
    {
        var escaped = text.Replace("\\", "\\e", StringComparison.Ordinal).Replace("-", "\\-", StringComparison.Ordinal);
        return escaped.StartsWith('.') || escaped.StartsWith('\'') ? "\\&" + escaped : escaped;
    }
}
