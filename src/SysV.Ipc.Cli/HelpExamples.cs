using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace SysV.Ipc.Cli;

/// <summary>Adds an "Examples:" section after System.CommandLine's help for the commands that have one.</summary>
internal sealed class HelpExamples(HelpAction inner) : SynchronousCommandLineAction
{
    private static readonly ConditionalWeakTable<Command, string> s_examples = [];

    public static void Register(Command command, string examples) => s_examples.AddOrUpdate(command, examples);

    /// <summary>The examples registered for a command, or null.</summary>
    public static string? TryGet(Command command) => s_examples.TryGetValue(command, out string? examples) ? examples : null;

    /// <summary>Wraps the root's help option so every command's --help ends with its examples.</summary>
    public static void Install(Command root)
    {
        HelpOption help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpExamples((HelpAction)help.Action!);
    }

    public override int Invoke(ParseResult parseResult)
    {
        TextWriter output = parseResult.InvocationConfiguration.Output;
        using var help = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        parseResult.InvocationConfiguration.Output = help;
        int code;
        try
        {
            code = inner.Invoke(parseResult);
        }
        finally
        {
            parseResult.InvocationConfiguration.Output = output;
        }

        // An option whose value is optional (HelpName "[a|b]") reads "--all[=a|b]", as util-linux writes it.
        output.Write(System.Text.RegularExpressions.Regex.Replace(help.ToString(), @" <\[([^\]>]*)\]>", m => "[=" + m.Groups[1].Value + "]  "));
        if (s_examples.TryGetValue(parseResult.CommandResult.Command, out string? examples))
        {
            output.Write("Examples:\n" + examples.TrimEnd() + "\n\n");
        }

        return code;
    }
}
