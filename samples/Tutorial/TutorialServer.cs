using System.Globalization;
using System.Text;

namespace SysV.Ipc.Samples.Tutorial;

/// <summary>
/// The server of message.c in C#: creates the semaphore set and the shared area (initialized with the
/// equivalent of clear_syscall), answers requests until MESG_QUIT or cancellation, then removes both.
/// </summary>
public static class TutorialServer
{
    /// <summary>Runs the server from command-line arguments (<c>PATH [--proj N]</c>).</summary>
    /// <param name="args">The arguments after the role word.</param>
    /// <param name="output">Where the transcript goes.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="cancellationToken">Stops the server (Ctrl+C); it still removes what it created.</param>
    /// <returns>0 after a clean shutdown, 1 on failure, 2 when the objects already exist (an earlier run's leftovers).</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        return TutorialArguments.TryParse(args, error) is { } arguments ? Run(arguments, output, error, cancellationToken) : 1;
    }

    /// <summary>Runs the server.</summary>
    /// <param name="arguments">Key file and project id.</param>
    /// <param name="output">Where the transcript goes.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="cancellationToken">Stops the server; it still removes what it created.</param>
    /// <returns>0 after a clean shutdown, 1 on failure, 2 when the objects already exist.</returns>
    public static int Run(TutorialArguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        IpcKey key;
        try
        {
            key = TutorialProtocol.KeyFor(arguments.Path, arguments.ProjectId);
        }
        catch (IOException e)
        {
            error.WriteLine(e.Message);
            return 1;
        }

        SemaphoreSet? semaphores = null;
        SharedStruct<Syscall>? area = null;
        try
        {
            // Semaphores first: clients find the set, then wait for "ready".
            semaphores = SemaphoreSet.Create(key, TutorialProtocol.SemaphoreCount, TutorialProtocol.InitialValues);
            area = SharedStruct<Syscall>.Create(key, Syscall.Clear);
            return Serve(semaphores, area, output, cancellationToken);
        }
        catch (IpcObjectExistsException)
        {
            error.WriteLine("*** allocate failed ***: " + TutorialProtocol.LeftoverAdvice(key));
            return 2;
        }
        catch (IpcException e)
        {
            error.WriteLine($"C# server: {e.Message}");
            return 1;
        }
        finally
        {
            // The creator releases what it allocated, as the tutorial says it SHOULD, also after a failure.
            if (area is not null)
            {
                area.Remove();
                area.Dispose();
            }

            if (semaphores is not null)
            {
                SemaphoreSet.TryRemove(semaphores.Id);
                semaphores.Dispose();
            }
        }
    }

    /// <summary>Executes the request in the area and writes the reply into it (shared with the C server's behaviour).</summary>
    /// <param name="call">The area.</param>
    /// <param name="served">The number to put in the reply.</param>
    public static void Execute(ref Syscall call, int served)
    {
        call.Status = MessageStatus.Ok;
        call.Result = 0;
        switch (call.Id)
        {
            case MessageId.Echo:
            case MessageId.Upper:
                // The area is another process's memory: the length is checked, not trusted.
                if (call.GetText() is not { } text)
                {
                    Reply(ref call, MessageStatus.BadArgument, $"bad length {call.Len}");
                    break;
                }

                if (call.Id == MessageId.Upper)
                {
                    for (int i = 0; i < text.Length; i++)
                    {
                        text[i] = text[i] is >= (byte)'a' and <= (byte)'z' ? (byte)(text[i] - 32) : text[i];
                    }
                }

                call.SetText(text);
                break;
            case MessageId.Add:
                long sum;
                try
                {
                    sum = checked(ArgAt(ref call, 0) + ArgAt(ref call, 1));
                }
                catch (OverflowException)
                {
                    Reply(ref call, MessageStatus.BadArgument, "overflow");
                    break;
                }

                call.Result = sum;
                Reply(ref call, MessageStatus.Ok, sum.ToString(CultureInfo.InvariantCulture));
                break;
            case MessageId.Time:
                DateTimeOffset now = DateTimeOffset.UtcNow;
                call.Result = now.ToUnixTimeSeconds();
                Reply(ref call, MessageStatus.Ok, now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                break;
            case MessageId.Pid:
                call.Result = Environment.ProcessId;
                Reply(ref call, MessageStatus.Ok, "C# server");
                break;
            case MessageId.Quit:
                Reply(ref call, MessageStatus.Ok, "bye");
                break;
            default:
                Reply(ref call, MessageStatus.BadRequest, $"unknown request {(sbyte)call.Id}");
                break;
        }

        call.Served = served;
    }

    private static int Serve(SemaphoreSet semaphores, SharedStruct<Syscall> area, TextWriter output, CancellationToken cancellationToken)
    {
        var request = IpcSemaphore.OnSemaphore(semaphores, TutorialProtocol.Request);
        var reply = IpcSemaphore.OnSemaphore(semaphores, TutorialProtocol.Reply);
        var ready = IpcEvent.OnSemaphore(semaphores, TutorialProtocol.Ready, EventResetMode.ManualReset);
        var clientLock = IpcMutex.OnSemaphores(semaphores, TutorialProtocol.Lock);

        ready.Set();
        output.WriteLine($"C# server {Environment.ProcessId} ready: key {area.Key}, shmid {area.Id}, semid {semaphores.Id}");
        output.Flush();

        int served = 0;
        while (true)
        {
            try
            {
                request.Wait(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                output.WriteLine($"C# server {Environment.ProcessId}: interrupted");
                break;
            }

            ref Syscall call = ref area.Value;
            MessageId id = call.Id;
            Execute(ref call, ++served);
            reply.Release();
            if (id == MessageId.Quit)
            {
                break;
            }
        }

        // Let the quitting client read its reply and release the lock before everything is removed.
        if (clientLock.TryAcquire(TimeSpan.FromSeconds(2), out IpcMutexScope scope))
        {
            scope.Dispose();
        }

        ready.Reset();
        output.WriteLine($"C# server {Environment.ProcessId}: answered {served} requests; removing the segment and the semaphore set");
        output.Flush();
        return 0;
    }

    private static unsafe long ArgAt(ref Syscall call, int index) => call.Arg[index];

    private static void Reply(ref Syscall call, MessageStatus status, string text)
    {
        call.Status = status;
        call.SetText(Encoding.UTF8.GetBytes(text));
    }
}
