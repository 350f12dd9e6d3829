using System.Reflection;
using System.Text;

namespace SysV.Ipc.Cli;

/// <summary>
/// sysvipc.1, generated from the same command tree and texts as --help (descriptions, options, examples),
/// so the man page cannot drift from the tool: docs/sysvipc.1 is this output, and a test regenerates and
/// compares it. <c>sysvipc __man</c> prints it.
/// </summary>
internal static class ManPage
{
    public static string Generate(Command root)
    {
        string version = typeof(ManPage).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";
        var man = new StringBuilder();
        man.Append(".TH SYSVIPC 1 \"\" \"sysvipc ").Append(version).Append("\" \"User Commands\"\n");
        man.Append(".SH NAME\nsysvipc \\- list, inspect, create and remove System V IPC objects\n");
        man.Append(".SH SYNOPSIS\n.B sysvipc\n.I verb\n[\\fIoptions\\fR]\n.br\n.B sysvipc\n[\\fB\\-\\-help\\fR | \\fB\\-V\\fR]\n");
        man.Append(".SH DESCRIPTION\n").Append(Escape(root.Description ?? string.Empty)).Append('\n');
        man.Append(".SH VERBS\n");
        foreach (Command verb in root.Subcommands.Where(c => !c.Hidden))
        {
            string arguments = string.Concat(verb.Arguments.Select(a => " " + a.Name));
            string aliases = verb.Aliases.Count == 0 ? string.Empty : " (also " + string.Join(", ", verb.Aliases) + ")";
            man.Append(".SS \"sysvipc ").Append(Escape(verb.Name + arguments)).Append('"').Append('\n');
            man.Append(Escape((verb.Description ?? string.Empty) + aliases)).Append('\n');
            foreach (Argument argument in verb.Arguments)
            {
                man.Append(".TP\n.I ").Append(Escape(argument.Name)).Append('\n').Append(Escape(argument.Description ?? string.Empty)).Append('\n');
            }

            foreach (Option option in verb.Options.Where(o => !o.Hidden && o is not System.CommandLine.Help.HelpOption))
            {
                IEnumerable<string> names = option.Aliases.OrderBy(a => a.Length).Append(option.Name).Distinct();
                string value = option.HelpName is { } h ? (h.StartsWith('[') ? "[=" + h.Trim('[', ']') + "]" : " " + h) : string.Empty;
                man.Append(".TP\n.B ").Append(Escape(string.Join(", ", names))).Append(value.Length == 0 ? string.Empty : "\n.I " + Escape(value.Trim())).Append('\n');
                man.Append(Escape(option.Description ?? string.Empty)).Append('\n');
            }

            if (HelpExamples.TryGet(verb) is { } examples)
            {
                man.Append(".PP\nExamples:\n.PP\n.nf\n.RS\n").Append(string.Join("\n", examples.TrimEnd().Split('\n').Select(l => Escape(l.Trim())))).Append("\n.RE\n.fi\n");
            }
        }

        man.Append(".SH EXIT STATUS\n0 on success; 1 after any error, each reported as one line on standard error.\n");
        man.Append(".SH SEE ALSO\n.BR ipcs (1),\n.BR ipcrm (1),\n.BR ipcmk (1),\n.BR lsipc (1),\n.BR ftok (3),\n.BR sysvipc (7)\n");
        return man.ToString();
    }

    private static string Escape(string text)
    {
        string escaped = text.Replace("\\", "\\e", StringComparison.Ordinal).Replace("-", "\\-", StringComparison.Ordinal);
        return string.Join("\n", escaped.Split('\n').Select(l => l.StartsWith('.') || l.StartsWith('\'') ? "\\&" + l : l));
    }
}
