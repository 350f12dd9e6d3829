using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using SysV.Ipc.Cli.Commands;

namespace SysV.Ipc.Cli;

/// <summary>
/// The <c>sysvipc</c> command: one factory per verb (ls/ipcs, show, rm, mk, key, demo...); every run parses,
/// then invokes with the given writers, so tests run verbs in-process and read what they print. Every error
/// is one line on the error writer and exit code 1.
/// </summary>
/// <remarks>
/// A run that names a verb first (<c>sysvipc ls -m</c>) builds only that verb's command (its options,
/// validators, descriptions and examples); the other verbs are placeholders that carry their names only.
/// Everything else (help, <c>--version</c>, an unknown or missing verb, completion, the man page) gets the
/// whole tree, so what it prints is what the whole tree says. The verb's own subtree is the one its factory
/// builds in both trees: its parsing, errors and <c>--help</c> are the same either way.
/// </remarks>
internal static class SysvIpcCli
{
    internal const string Name = "sysvipc";

    /// <summary>The verbs, in the order the root lists them, with the names a run may give for each.</summary>
    internal static readonly IReadOnlyList<Verb> Verbs =
    [
        new("ls", ["ipcs"], ListCommand.Create),
        new("lsipc", [], LsipcCommand.Create),
        new("show", [], ShowCommand.Create),
        new("rm", [], RemoveCommand.Create),
        new("mk", [], MakeCommand.Create),
        new("key", [], KeyCommand.Create),
        new("demo", [], DemoCommand.Create),
        new("peek", [], PeekCommand.Create),
        new("dump", [], DumpCommand.Create),
        new("chmod", [], ChangeCommands.CreateChmod),
        new("chown", [], ChangeCommands.CreateChown),
        new("top", [], TopCommand.Create),
        new("completion", [], Completion.Create),
        new("cdecl", [], CdeclCommand.Create),
        new("bridge", [], Commands.Bridge.BridgeCommand.Create),
    ];

    private static readonly Lazy<Command> s_root = new(() => CreateRoot(only: null));

    /// <summary>Runs the tool.</summary>
    /// <returns>The exit code: 0, or 1 after an error (already reported on <paramref name="error"/>).</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(args, output, error, wholeTree: false);

    /// <summary>Runs the tool; with <paramref name="wholeTree"/>, on every verb's full command even when a verb is named first (tests compare the two).</summary>
    internal static int Run(string[] args, TextWriter output, TextWriter error, bool wholeTree)
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
            error.Write($"{Name}: no verb given; usage: {Name} <{string.Join('|', Verbs.Select(v => v.Name))}> [options] (see '{Name} --help')\n");
            return 1;
        }

        Verb? named = wholeTree ? null : Find(args[0]);
        Command root = named is null ? s_root.Value : MayAskForHelpOrVersion(args) ? named.Root : named.RootWithoutHelp;
        ParseResult result = root.Parse(args);
        if (result.Action is ParseErrorAction)
        {
            if (result.CommandResult.Command == root && !args[0].StartsWith('-'))
            {
                string? guess = VerbSuggestions.Guess(args[0], root.Subcommands.Where(c => !c.Hidden));
                error.Write($"{Name}: unknown verb '{args[0]}'{(guess is null ? string.Empty : $"; did you mean '{guess}'?")} (see '{Name} --help')\n");
                return 1;
            }

            string verb = CommandPath(result.CommandResult);
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

    /// <summary>
    /// Whether a word of <paramref name="args"/> could be the help or version option: one of their names, a
    /// name with a value attached (<c>--help=x</c>), a bundle of short options holding h, ? or V
    /// (<c>-mh</c>), or a response file (<c>@file</c>). Such runs parse with those options; the others
    /// without them, which spares System.CommandLine's resource lookup of their descriptions at start-up.
    /// </summary>
    internal static bool MayAskForHelpOrVersion(string[] args)
    {
        foreach (string arg in args)
        {
            if (arg.StartsWith("--help", StringComparison.Ordinal) || arg.StartsWith("--version", StringComparison.Ordinal)
                || arg is "/h" or "/?" || arg.StartsWith("/h:", StringComparison.Ordinal) || arg.StartsWith("/h=", StringComparison.Ordinal)
                || arg.StartsWith("/?:", StringComparison.Ordinal) || arg.StartsWith("/?=", StringComparison.Ordinal)
                || arg.StartsWith('@')
                || (arg.Length > 1 && arg[0] == '-' && arg[1] != '-' && arg.AsSpan(1).IndexOfAny("h?V") >= 0))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The words that name a parsed command: "sysvipc", "sysvipc ls", "sysvipc bridge out".</summary>
    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is CommandResult { Command: var named }; result = result.Parent)
        {
            names.Add(named.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>The verb <paramref name="word"/> names (by its name or an alias), or null.</summary>
    internal static Verb? Find(string word)
    {
        foreach (Verb verb in Verbs)
        {
            if (verb.Name == word || Array.IndexOf(verb.Aliases, word) >= 0)
            {
                return verb;
            }
        }

        return null;
    }

    /// <summary>
    /// The root with every verb's command (<paramref name="only"/> null), or with <paramref name="only"/>'s and
    /// placeholders for the others; without <paramref name="withHelp"/>, it has no help and version options
    /// (for a run none of whose words could name them, <see cref="MayAskForHelpOrVersion"/>).
    /// </summary>
    internal static Command CreateRoot(Verb? only, bool withHelp = true)
    {
        // A named root rather than RootCommand, whose name is the host's executable (testhost, dotnet...).
        var root = new Command(Name, "sysvipc: list, inspect, create and remove System V IPC objects (shared memory, message queues, semaphore sets). Replaces ipcs, ipcrm and ipcmk, with the same output and messages, plus JSON and orphan detection.");
        if (withHelp)
        {
            root.Options.Add(new HelpOption());
            root.Options.Add(new VersionOption("--version", "-V"));
        }

        foreach (Verb verb in Verbs)
        {
            root.Subcommands.Add(only is null || only == verb ? verb.Create() : verb.Placeholder());
        }

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
        if (withHelp)
        {
            HelpExamples.Install(root);
        }

        return root;
    }

    /// <summary>A verb of the root: the names it answers to, known without building it, and the factory of its command.</summary>
    internal sealed class Verb
    {
        private readonly Lazy<Command> _root;
        private readonly Lazy<Command> _rootWithoutHelp;

        public Verb(string name, string[] aliases, Func<Command> create)
        {
            Name = name;
            Aliases = aliases;
            Create = create;
            _root = new(() => CreateRoot(this));
            _rootWithoutHelp = new(() => CreateRoot(this, withHelp: false));
        }

        public string Name { get; }

        public string[] Aliases { get; }

        /// <summary>Builds the verb's full command (what <c>sysvipc VERB ...</c> parses with).</summary>
        public Func<Command> Create { get; }

        /// <summary>The root a run naming this verb first parses with: this verb built, the others placeholders.</summary>
        public Command Root => _root.Value;

        /// <summary>The same root without the help and version options, for a run that cannot be asking for either.</summary>
        public Command RootWithoutHelp => _rootWithoutHelp.Value;

        /// <summary>The verb's name and aliases without options, arguments, action or texts: never shown, never invoked.</summary>
        public Command Placeholder()
        {
            var command = new Command(Name);
            foreach (string alias in Aliases)
            {
                command.Aliases.Add(alias);
            }

            return command;
        }
    }
}
