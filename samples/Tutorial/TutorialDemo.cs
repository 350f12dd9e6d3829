using System.Diagnostics;
using System.Globalization;

namespace SysV.Ipc.Samples.Tutorial;

/// <summary>Options of <see cref="TutorialDemo.Run"/>.</summary>
public sealed record TutorialDemoOptions
{
    /// <summary>The file the key is derived from (ftok). A stable path, so a leftover from an earlier run is recognized; created if missing.</summary>
    public string KeyFile { get; init; } = Path.Combine(Path.GetTempPath(), "sysvipc-tutorial.key");

    /// <summary>PROJ.</summary>
    public byte ProjectId { get; init; } = TutorialProtocol.DefaultProjectId;

    /// <summary>How many clients run at once (1 to 8).</summary>
    public int Clients { get; init; } = 3;

    /// <summary>How long the whole demo may take before its processes are killed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// The tutorial's scenario as a demonstration: a server and several clients in separate processes, a
/// readable transcript of their requests and replies, and a check that nothing is left behind.
/// </summary>
public static class TutorialDemo
{
    private static readonly string[][] s_scripts =
    [
        ["echo:hello from the first client", "add:2:40", "upper:shared memory needs synchronization"],
        ["pid", "time", "echo:a struct every party agrees on"],
        ["upper:semaphores serialize the clients", "add:-7:7", "unspec"],
        ["echo:four", "add:1000000:337"],
        ["echo:five", "time"],
        ["upper:six", "pid"],
        ["echo:seven", "add:3:4"],
        ["upper:eight", "time"],
    ];

    /// <summary>
    /// Runs the demo: starts the server, then <see cref="TutorialDemoOptions.Clients"/> clients at once,
    /// then a last client that sends MESG_QUIT, each through <paramref name="startProcess"/>; prints their
    /// output as a transcript; checks with <see cref="IpcSystem"/> that no object with the key is left.
    /// </summary>
    /// <param name="output">Where the transcript goes.</param>
    /// <param name="startProcess">
    /// Starts one role ("server" or "client") with its arguments (<see cref="TutorialArguments.ToArguments"/>)
    /// as a separate process whose standard output and error are redirected, and returns it started; for
    /// example <c>(role, args) =&gt; TutorialDemo.StartCurrentExecutable(["__tutorial", role, .. args])</c>.
    /// </param>
    /// <param name="options">Key file, number of clients, timeout.</param>
    /// <param name="cancellationToken">Stops the demo (its processes are killed and its objects removed).</param>
    /// <returns>0 when every exchange succeeded and nothing is left; 1 on failure; 2 when objects from an earlier run exist.</returns>
    public static int Run(TextWriter output, Func<string, string[], Process> startProcess, TutorialDemoOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(startProcess);
        options ??= new TutorialDemoOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Clients, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Clients, s_scripts.Length);

        if (!File.Exists(options.KeyFile))
        {
            using (File.Create(options.KeyFile))
            {
            }
        }

        IpcKey key = TutorialProtocol.KeyFor(options.KeyFile, options.ProjectId);
        var transcript = new Transcript(output);
        transcript.Line("The System V IPC tutorial's message.c scenario: a server and its clients share one struct _syscall");
        transcript.Line($"in a shared memory segment and coordinate with a semaphore set, both with key ftok(\"{options.KeyFile}\", {options.ProjectId}) = {key}.");

        List<IpcObjectInfo> leftovers = ObjectsWithKey(key);
        if (leftovers.Count > 0)
        {
            transcript.Line($"Cannot start: {Describe(leftovers)} already exist{(leftovers.Count == 1 ? "s" : string.Empty)} with key {key}.");
            transcript.Line(TutorialProtocol.LeftoverAdvice(key));
            return 2;
        }

        var baseArguments = new TutorialArguments { Path = options.KeyFile, ProjectId = options.ProjectId };
        var processes = new List<Process>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            transcript.Line();
            transcript.Line("Starting the server (a separate process): it creates the semaphore set, then the segment, initializes the struct (clear_syscall) and says it is ready.");
            Process server = Start(startProcess, "server", baseArguments, "server", transcript, processes);
            if (!transcript.WaitFor(server, " ready: ", timeout.Token))
            {
                transcript.Line(server.HasExited && server.ExitCode == 2
                    ? "The server could not create the objects: " + TutorialProtocol.LeftoverAdvice(key)
                    : "The server did not become ready.");
                return server.HasExited && server.ExitCode == 2 ? 2 : 1;
            }

            transcript.Line();
            transcript.Line($"Starting {options.Clients} clients at once. Each takes the lock, writes its request into the struct, posts the request semaphore,");
            transcript.Line("waits for the reply semaphore, reads the reply from the same struct and releases the lock; the server answers one request at a time.");
            var clients = new List<Process>();
            for (int i = 0; i < options.Clients; i++)
            {
                TutorialArguments clientArguments = baseArguments with { Requests = [.. s_scripts[i].Select(TutorialRequest.Parse)] };
                clients.Add(Start(startProcess, "client", clientArguments, $"client {i + 1}", transcript, processes));
            }

            bool clientsOk = true;
            foreach (Process client in clients)
            {
                clientsOk &= WaitForExit(client, timeout.Token) == 0;
            }

            transcript.Line();
            transcript.Line("Asking the server to quit (MESG_QUIT): it replies, waits for the lock, removes the segment and the semaphore set, and exits.");
            Process quitter = Start(startProcess, "client", baseArguments with { Requests = [new TutorialRequest(MessageId.Quit)] }, "quit", transcript, processes);
            clientsOk &= WaitForExit(quitter, timeout.Token) == 0;
            bool serverOk = WaitForExit(server, timeout.Token) == 0;

            transcript.Line();
            List<IpcObjectInfo> left = ObjectsWithKey(key);
            if (left.Count == 0)
            {
                transcript.Line($"Nothing left behind: /proc/sysvipc lists no segment, queue or semaphore set with key {key} ('sysvipc ls' or 'ipcs' shows the same).");
            }
            else
            {
                transcript.Line($"Left behind: {Describe(left)}; removing them.");
            }

            bool ok = clientsOk && serverOk && left.Count == 0;
            transcript.Line(ok ? "Demo finished: every request got its reply." : "Demo failed: see the messages above.");
            return ok ? 0 : 1;
        }
        catch (OperationCanceledException)
        {
            transcript.Line(cancellationToken.IsCancellationRequested ? "Demo cancelled." : $"Demo timed out after {options.Timeout.TotalSeconds} s.");
            return 1;
        }
        finally
        {
            foreach (Process process in processes)
            {
                KillIfRunning(process);
                process.Dispose();
            }

            // Whatever happened, leave nothing behind: the objects with this key are the ones this demo's server made.
            foreach (IpcObjectInfo o in ObjectsWithKey(key))
            {
                _ = o.Kind == IpcObjectKind.SharedMemory ? SharedMemorySegment.TryRemove(o.Id) : SemaphoreSet.TryRemove(o.Id);
            }
        }
    }

    /// <summary>
    /// Starts the running program again with <paramref name="arguments"/>, output redirected: the apphost
    /// directly, or <c>dotnet ENTRY.dll</c> when the program runs under the dotnet host.
    /// </summary>
    /// <param name="arguments">The arguments.</param>
    /// <returns>The started process.</returns>
    public static Process StartCurrentExecutable(IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        string executable = Environment.ProcessPath ?? throw new InvalidOperationException("The path of the running program is unknown.");
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(executable) == "dotnet")
        {
            // Under the dotnet host the first command-line argument is the entry assembly's path; unlike
            // Assembly.Location it is also defined in single-file and native AOT builds.
            info.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
    }

    private static Process Start(Func<string, string[], Process> startProcess, string role, TutorialArguments arguments, string label, Transcript transcript, List<Process> processes)
    {
        Process process = startProcess(role, arguments.ToArguments());
        processes.Add(process);
        transcript.Attach(process, label);
        return process;
    }

    private static int WaitForExit(Process process, CancellationToken cancellationToken)
    {
        while (!process.WaitForExit(100))
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        process.WaitForExit(); // drains the redirected output
        return process.ExitCode;
    }

    private static void KillIfRunning(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static List<IpcObjectInfo> ObjectsWithKey(IpcKey key) => [.. IpcSystem.ListAll().Where(o => o.Key == key)];

    private static string Describe(List<IpcObjectInfo> objects) =>
        string.Join(" and ", objects.Select(o => string.Create(CultureInfo.InvariantCulture, $"{(o.Kind == IpcObjectKind.SharedMemory ? "a shared memory segment" : o.Kind == IpcObjectKind.SemaphoreSet ? "a semaphore set" : "a message queue")} (id {o.Id})")));

    /// <summary>Collects the processes' output lines, labelled, in the order they arrive.</summary>
    private sealed class Transcript(TextWriter output)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<Process, List<string>> _lines = [];

        public void Line(string text = "")
        {
            lock (_gate)
            {
                output.WriteLine(text);
                output.Flush();
            }
        }

        public void Attach(Process process, string label)
        {
            lock (_gate)
            {
                _lines[process] = [];
            }

            try
            {
                process.OutputDataReceived += (_, e) => Receive(process, label, e.Data, error: false);
                process.ErrorDataReceived += (_, e) => Receive(process, label, e.Data, error: true);
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"The {label} process must be started with its standard output and error redirected: {e.Message}", e);
            }
        }

        /// <summary>Waits until the process printed a line containing <paramref name="text"/>; false if it exited first.</summary>
        public bool WaitFor(Process process, string text, CancellationToken cancellationToken)
        {
            while (true)
            {
                lock (_gate)
                {
                    if (_lines[process].Any(l => l.Contains(text, StringComparison.Ordinal)))
                    {
                        return true;
                    }
                }

                if (process.WaitForExit(20))
                {
                    process.WaitForExit();
                    lock (_gate)
                    {
                        return _lines[process].Any(l => l.Contains(text, StringComparison.Ordinal));
                    }
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        private void Receive(Process process, string label, string? line, bool error)
        {
            if (line is null)
            {
                return;
            }

            lock (_gate)
            {
                _lines[process].Add(line);
                output.WriteLine($"  [{label}]{(error ? " error:" : string.Empty)} {line}");
                output.Flush();
            }
        }
    }
}
