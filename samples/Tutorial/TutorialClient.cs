using System.Diagnostics;
using System.Text;

namespace SysV.Ipc.Samples.Tutorial;

/// <summary>
/// A client of message.c in C#: waits for the server, then for each request takes the lock, writes the
/// request into the shared area, posts it, waits for the reply, checks it answers this request, and
/// releases the lock.
/// </summary>
public static class TutorialClient
{
    /// <summary>Runs a client from command-line arguments (<c>PATH [--proj N] [--verify N] [REQUEST...]</c>).</summary>
    /// <param name="args">The arguments after the role word.</param>
    /// <param name="output">Where the transcript goes (one line per exchange).</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>0 when every request got its reply (and, with --verify, the right one), 1 on failure, 2 when no server answers.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        return TutorialArguments.TryParse(args, error) is { } arguments ? Run(arguments, output, error, cancellationToken) : 1;
    }

    /// <summary>Runs a client.</summary>
    /// <param name="arguments">Key file, project id, requests or a verification count.</param>
    /// <param name="output">Where the transcript goes.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>0 on success, 1 on failure, 2 when no server answers.</returns>
    public static int Run(TutorialArguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        int pid = Environment.ProcessId;
        try
        {
            IpcKey key = TutorialProtocol.KeyFor(arguments.Path, arguments.ProjectId);
            using SemaphoreSet? semaphores = OpenServer(key, error, cancellationToken);
            if (semaphores is null)
            {
                return 2;
            }

            using var area = SharedStruct<Syscall>.Open(key);
            var session = new Session(semaphores, area, output);
            int count = arguments.Verify > 0 ? arguments.Verify : arguments.Requests.Count;
            for (int i = 0; i < count; i++)
            {
                TutorialRequest request = arguments.Verify > 0 ? Generated(i, pid) : arguments.Requests[i];
                Syscall reply = session.Call(request, i + 1, cancellationToken);
                output.WriteLine($"C# client {pid} #{i + 1} {request} -> {TutorialRequest.Name(reply.Status)} \"{reply.GetTextString()}\" result {reply.Result} served {reply.Served}");
                output.Flush();
                if (arguments.Verify > 0 && !IsExpected(request, reply))
                {
                    error.WriteLine($"C# client {pid}: wrong reply to #{i + 1}");
                    return 1;
                }
            }

            if (arguments.Verify > 0)
            {
                output.WriteLine($"C# client {pid} verified {arguments.Verify} replies");
            }

            return 0;
        }
        catch (Exception e) when (e is IpcException or IOException or TimeoutException or InvalidDataException or OperationCanceledException)
        {
            error.WriteLine($"C# client {pid}: {e.Message}");
            return 1;
        }
    }

    /// <summary>The requests --verify sends: the same cycle as the C client (echo, upper, add).</summary>
    private static TutorialRequest Generated(int i, int pid) => (i % 3) switch
    {
        0 => new TutorialRequest(MessageId.Echo, $"cs-{pid}-{i}"),
        1 => new TutorialRequest(MessageId.Upper, $"Mixed Case {i}"),
        _ => new TutorialRequest(MessageId.Add, A: i, B: pid),
    };

    private static bool IsExpected(TutorialRequest request, Syscall reply) =>
        reply.Status == MessageStatus.Ok && request.Id switch
        {
            MessageId.Add => reply.Result == request.A + request.B,
            MessageId.Upper => reply.GetTextString() == AsciiUpper(request.Text),
            _ => reply.GetTextString() == request.Text,
        };

    /// <summary>What both servers do to a text: upper-case ASCII letters only, as C's toupper in the C locale.</summary>
    private static string AsciiUpper(string text) => string.Create(text.Length, text, (span, t) =>
    {
        for (int i = 0; i < t.Length; i++)
        {
            span[i] = t[i] is >= 'a' and <= 'z' ? (char)(t[i] - 32) : t[i];
        }
    });

    /// <summary>Waits for the server's semaphore set to exist, be initialized and say "ready"; null (after a message) if it does not in time.</summary>
    private static SemaphoreSet? OpenServer(IpcKey key, TextWriter error, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        SemaphoreSet semaphores;
        while (true)
        {
            try
            {
                semaphores = SemaphoreSet.Open(key, new SemaphoreSetOpenOptions { InitializationTimeout = TutorialProtocol.ClientTimeout }, cancellationToken);
                break;
            }
            catch (IpcObjectNotFoundException) when (clock.Elapsed < TutorialProtocol.ClientTimeout)
            {
                Thread.Sleep(20);
            }
            catch (IpcObjectNotFoundException)
            {
                error.WriteLine($"C# client {Environment.ProcessId}: no server with key {key} after {TutorialProtocol.ClientTimeout.TotalSeconds} s. Start one with 'server PATH'.");
                return null;
            }
        }

        if (semaphores.Count != TutorialProtocol.SemaphoreCount)
        {
            semaphores.Dispose();
            throw new InvalidDataException($"The semaphore set with key {key} has {semaphores.Count} semaphores, not {TutorialProtocol.SemaphoreCount}: it is not this program's.");
        }

        var ready = IpcEvent.OnSemaphore(semaphores, TutorialProtocol.Ready, EventResetMode.ManualReset);
        if (!ready.TryWait(TutorialProtocol.ClientTimeout - clock.Elapsed > TimeSpan.Zero ? TutorialProtocol.ClientTimeout - clock.Elapsed : TimeSpan.Zero, cancellationToken))
        {
            semaphores.Dispose();
            error.WriteLine($"C# client {Environment.ProcessId}: the server with key {key} did not become ready.");
            return null;
        }

        return semaphores;
    }

    /// <summary>The exchange protocol on an open area and semaphore set.</summary>
    private sealed class Session(SemaphoreSet semaphores, SharedStruct<Syscall> area, TextWriter output)
    {
        private readonly IpcMutex _lock = IpcMutex.OnSemaphores(semaphores, TutorialProtocol.Lock);
        private readonly IpcSemaphore _request = IpcSemaphore.OnSemaphore(semaphores, TutorialProtocol.Request);
        private readonly IpcSemaphore _reply = IpcSemaphore.OnSemaphore(semaphores, TutorialProtocol.Reply);

        public Syscall Call(TutorialRequest request, int seq, CancellationToken cancellationToken)
        {
            int pid = Environment.ProcessId;
            IpcMutexScope scope = _lock.Acquire(TutorialProtocol.ClientTimeout, cancellationToken);
            try
            {
                if (scope.WasAbandoned)
                {
                    // The previous client died holding the lock, perhaps after posting its request: let its
                    // reply arrive and consume it, so it is not taken for ours.
                    output.WriteLine($"C# client {pid}: previous client (pid {scope.AbandonedOwnerProcessId}) died holding the lock; clearing its exchange");
                    _reply.TryWait(TutorialProtocol.StaleReplyWait, cancellationToken);
                }

                ref Syscall call = ref area.Value;
                Syscall.Clear(ref call);
                call.Id = request.Id;
                call.Client = pid;
                call.Seq = seq;
                SetArguments(ref call, request.A, request.B);
                call.SetText(Encoding.UTF8.GetBytes(request.Text));
                _request.Release();

                if (request.Crash)
                {
                    output.WriteLine($"C# client {pid}: crashing while holding the lock");
                    output.Flush();
                    Process.GetCurrentProcess().Kill(); // SIGKILL: no cleanup code runs, SEM_UNDO frees the lock
                }

                if (!_reply.TryWait(TutorialProtocol.ClientTimeout, cancellationToken))
                {
                    throw new TimeoutException($"no reply to #{seq} within {TutorialProtocol.ClientTimeout.TotalSeconds} s: is the server running?");
                }

                Syscall reply = area.ReadOnlyValue; // a copy, validated before use: the area is another process's memory
                if (reply.Client != pid || reply.Seq != seq || reply.GetText() is null)
                {
                    throw new InvalidDataException($"the reply (client {reply.Client} #{reply.Seq}, length {reply.Len}) does not answer #{seq}.");
                }

                return reply;
            }
            finally
            {
                try
                {
                    scope.Dispose();
                }
                catch (IpcException) when (request.Id == MessageId.Quit)
                {
                    // After MESG_QUIT the server may already have removed the set.
                }
            }
        }

        private static unsafe void SetArguments(ref Syscall call, long a, long b)
        {
            call.Arg[0] = a;
            call.Arg[1] = b;
        }
    }
}
