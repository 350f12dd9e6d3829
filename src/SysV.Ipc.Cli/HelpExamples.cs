using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace SysV.Ipc.Cli;

/// <summary>Adds an "Examples:" section after System.CommandLine's help for the commands that have one.</summary>
internal sealed class HelpExamples(HelpAction inner) : SynchronousCommandLineAction
{
    private static readonly ConditionalWeakTable<Command, string> s_examples = [];

    public static void Register(Command command, string examples) => s_examples.AddOrUpdate(command, examples);

    /// <summary>Wraps the root's help option so every command's --help ends with its examples.</summary>
    public static void Install(Command root)
    {
        HelpOption help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpExamples((HelpAction)help.Action!);
    }

    public override int Invoke(ParseResult parseResult)
    {
        int code = inner.Invoke(parseResult);
        if (s_examples.TryGetValue(parseResult.CommandResult.Command, out string? examples))
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            output.Write("Examples:\n" + examples.TrimEnd() + "\n\n");
        }

        return code;
    }
}
