using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using SysV.Ipc.Cli.Commands;

namespace SysV.Ipc.Cli;

/// <summary>
/// The <c>sysvipc</c> command: one factory per verb (ls/ipcs, show, rm, mk, key, demo), built once; every run
/// parses, then invokes with the given writers, so tests run verbs in-process and read what they print.
/// Every error is one line on the error writer and exit code 1.
/// </summary>
internal static class SysvIpcCli
{
    internal const string Name = "sysvipc";

    private static readonly Lazy<Command> s_root = new(CreateRoot);

    /// <summary>Runs the tool.</summary>
    /// <returns>The exit code: 0, or 1 after an error (already reported on <paramref name="error"/>).</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (DemoCommand.TryRunRole(args, output, error) is { } roleExitCode)
        {
            return roleExitCode;
        }

        if (args is [Completion.HiddenVerb, .. var words])
        {
            return Completion.Complete(s_root.Value, string.Join(' ', words), output);
        }

        if (args is ["__man"])
        {
            output.Write(ManPage.Generate(s_root.Value));
            return 0;
        }

        if (args.Length == 0)
        {
            error.Write($"{Name}: no verb given; usage: {Name} <{string.Join('|', Verbs())}> [options] (see '{Name} --help')\n");
            return 1;
        }

        ParseResult result = s_root.Value.Parse(args);
        if (result.Action is ParseErrorAction)
        {
            if (result.CommandResult.Command == s_root.Value && !args[0].StartsWith('-'))
            {
                string? guess = VerbSuggestions.Guess(args[0], s_root.Value.Subcommands.Where(c => !c.Hidden));
                error.Write($"{Name}: unknown verb '{args[0]}'{(guess is null ? string.Empty : $"; did you mean '{guess}'?")} (see '{Name} --help')\n");
                return 1;
            }

            string verb = result.CommandResult.Command == s_root.Value ? Name : Name + " " + result.CommandResult.Command.Name;
            foreach (string message in result.Errors.Select(e => e.Message.TrimEnd('.')).Where(m => !m.StartsWith("Required command was not provided", StringComparison.Ordinal)).Distinct().DefaultIfEmpty("no verb given"))
            {
                error.Write($"{Name}: {message} (see '{verb} --help')\n");
            }

            return 1;
        }

        try
        {
            return result.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is CliUsageException or IpcException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            // IpcException is an IOException; the library's messages already say what, to which object, and what to do.
            error.Write($"{Name}: {CliErrors.Message(e).ReplaceLineEndings(" ")}\n");
            return 1;
        }
    }

    private static IEnumerable<string> Verbs() => s_root.Value.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);

    private static Command CreateRoot()
    {
        // A named root rather than RootCommand, whose name is the host's executable (testhost, dotnet...).
        var root = new Command(Name, "sysvipc: list, inspect, create and remove System V IPC objects (shared memory, message queues, semaphore sets). Replaces ipcs, ipcrm and ipcmk, with the same output and messages, plus JSON and orphan detection.")
        {
            new HelpOption(),
            new VersionOption("--version", "-V"),
            ListCommand.Create(),
            LsipcCommand.Create(),
            ShowCommand.Create(),
            RemoveCommand.Create(),
            MakeCommand.Create(),
            KeyCommand.Create(),
            DemoCommand.Create(),
            PeekCommand.Create(),
            DumpCommand.Create(),
            ChangeCommands.CreateChmod(),
            ChangeCommands.CreateChown(),
            TopCommand.Create(),
            Completion.Create(),
            CdeclCommand.Create(),
            Commands.Bridge.BridgeCommand.Create(),
        };
        HelpExamples.Register(root, """
              sysvipc ls                       # ipcs
              sysvipc show -m 7                # ipcs -m -i 7
              sysvipc mk -M 64K                # ipcmk -M 64K (but 0600 and exclusive)
              sysvipc rm -m 7                  # ipcrm -m 7
              sysvipc rm --orphans --dry-run   # what is left behind by programs that exited
              sysvipc key /tmp/app --proj 1    # ftok("/tmp/app", 1)
              sysvipc demo                     # the tutorial's sample, run for real
              sysvipc cdecl App.dll Counters   # the C struct of a SharedStruct<Counters>
            """);
        HelpExamples.Install(root);
        return root;
    }
}
