using SysV.Ipc.Samples.Tutorial;

namespace SysV.Ipc.Cli.Commands;

/// <summary>
/// <c>sysvipc demo</c>: the tutorial's message.c scenario, run for real. The demo starts this same tool as
/// separate server and client processes (the hidden verbs below), prints the transcript of requests and
/// replies, and checks that nothing is left behind.
/// </summary>
internal static class DemoCommand
{
    /// <summary>Hidden verb prefix the demo uses to start its server and client processes.</summary>
    internal const string RolePrefix = "__tutorial-";

    private static readonly Option<string> s_keyFile = new("--key-file") { Description = "The file the key is derived from with ftok (created if missing; default: sysvipc-tutorial.key in the temp folder).", HelpName = "PATH" };
    private static readonly Option<string> s_clients = new("--clients") { Description = "How many client processes (1 to 3, default 3).", HelpName = "N" };

    public static Command Create()
    {
        var command = new Command("demo", "Run the tutorial's sample: a server and clients as separate processes sharing a struct _syscall in shared memory, coordinated by semaphores. Prints the transcript and removes every object it made.")
        {
            s_keyFile, s_clients,
        };
        command.SetAction(Run);
        HelpExamples.Register(command, """
              sysvipc demo                         # key from ftok("$TMPDIR/sysvipc-tutorial.key", 1)
              sysvipc demo --clients 1
              sysvipc demo --key-file /tmp/app     # the key a C peer would compute from /tmp/app
            """);
        return command;
    }

    /// <summary>Runs a server or client role when the demo started this tool as one; null for any other verb.</summary>
    internal static int? TryRunRole(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || !args[0].StartsWith(RolePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true; // let the server remove what it created before exiting
            cancellation.Cancel();
        };
        return args[0][RolePrefix.Length..] switch
        {
            "server" => TutorialServer.Run(args[1..], output, error, cancellation.Token),
            "client" => TutorialClient.Run(args[1..], output, error, cancellation.Token),
            _ => throw new CliUsageException($"unknown role '{args[0]}'"),
        };
    }

    private static int Run(ParseResult result)
    {
        var options = new TutorialDemoOptions();
        if (result.GetValue(s_keyFile) is { } keyFile)
        {
            options = options with { KeyFile = keyFile };
        }

        if (result.GetValue(s_clients) is { } clients)
        {
            int count = ArgumentParsers.ParseCount(clients);
            options = count is >= 1 and <= 3 ? options with { Clients = count } : throw new CliUsageException($"--clients takes 1 to 3, not {count}");
        }

        if (File.Exists(options.KeyFile))
        {
            // Objects of an earlier run: say so on stderr, with a removal command that names only what exists.
            IpcKey key = TutorialProtocol.KeyFor(options.KeyFile, options.ProjectId);
            List<IpcObjectInfo> leftovers = [.. IpcSystem.ListAll().Where(o => o.Key == key)];
            if (leftovers.Count > 0)
            {
                string kinds = string.Join(" and ", leftovers.Select(o => $"a {CliErrors.Kind(o.Kind)} (id {o.Id})"));
                string remove = string.Join(" ", leftovers.Select(o => $"-{char.ToUpperInvariant(RemoveCommand.Letter(o.Kind))} {key}").Distinct());
                throw new CliUsageException($"cannot start the demo: {kinds} already exist{(leftovers.Count == 1 ? "s" : string.Empty)} with key {key} (from ftok(\"{options.KeyFile}\", {options.ProjectId})), perhaps left by an earlier run or used by a running server; remove {(leftovers.Count == 1 ? "it" : "them")} with 'sysvipc rm {remove}', or pick another file with --key-file");
            }
        }

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        int code = TutorialDemo.Run(
            CommandOutput.Out(result),
            (role, roleArgs) => TutorialDemo.StartCurrentExecutable([RolePrefix + role, .. roleArgs]),
            options,
            cancellation.Token);
        return code == 0 ? 0 : 1; // the sample's 2 ("objects exist") is an error like any other here
    }
}
