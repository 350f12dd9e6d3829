using System.Runtime.InteropServices;
using System.Threading.Channels;
using SysV.Ipc.Tests.Channels;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Adversarial;

/// <summary>
/// Dispose on one thread racing every public call of a segment's attachment, a <see cref="SharedStruct{T}"/>,
/// a message queue, a semaphore set and the channel's waiting and async forms on another: at the call's
/// entry (disposed before it starts), in its middle (a call blocked in the kernel, or a random moment of a
/// loop of calls) and at its exit. Every call must end normally or with <see cref="ObjectDisposedException"/>
/// (never an access violation, never another exception, never a hang: a call blocked in the kernel is then
/// let through by another handle and must return), and the kernel object must be right afterwards: every
/// message and semaphore unit is accounted for (a call that ended with ObjectDisposedException took and gave
/// nothing), no attachment is left behind, a channel opens a new reader and writer. Each kind runs in a child
/// process, so a crash fails the test. SYSVIPC_STRESS=1 runs many more rounds.
/// (Channels' synchronous forms: Channels/ChannelDisposeRaceTests.cs; IpcMutex: Synchronization/IpcMutexDisposeTests.cs.)
/// </summary>
public sealed class DisposeRaceTests : IpcLeakGuard
{
    [Theory]
    [InlineData("attachment")]
    [InlineData("struct")]
    [InlineData("segment")]
    [InlineData("queue")]
    [InlineData("semaphore")]
    [InlineData("channel-waits")]
    public void DisposeRacingEveryCall_EndsItNormallyOrWithObjectDisposed_AndLeavesTheObjectRight(string kind)
    {
        int rounds = Adversity.Stress ? 3_000 : 60;
        using RemoteProcess child = RemoteExecutor.Start(RaceInChild, kind, TestMessages.Arg(rounds), TestMessages.Arg(Random.Shared.Next()));
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromMinutes(Adversity.Stress ? 60 : 4));
        Assert.Contains("wrong 0,", child.StandardOutput, StringComparison.Ordinal);
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Counters
    {
        public long A;
        public long B;
    }

    /// <summary>One round's object: a call to race, how to dispose it, how to let a blocked call through, and what must hold afterwards.</summary>
    private sealed class Subject
    {
        public required Action Call { get; init; }

        public required Action Dispose { get; init; }

        /// <summary>After the dispose: makes a call blocked in the kernel return (through another handle).</summary>
        public Action Unblock { get; init; } = () => { };

        /// <summary>After the racing thread ended: null when the kernel object is right, else what is wrong. Cleans up.</summary>
        public required Func<string?> Check { get; init; }
    }

    /// <summary>Child: every call of the kind, raced by Dispose, many rounds; prints the figures; exits 42 unless a call or an object ended wrong.</summary>
    public static int RaceInChild(string kind, string roundsText, string seedText)
    {
        var random = new Random(TestMessages.Int(seedText));
        string[] calls = Calls(kind);
        int wrong = 0, normalEnds = 0, disposedEnds = 0, rounds = TestMessages.Int(roundsText);
        for (int round = 0; round < rounds * calls.Length; round++)
        {
            string call = calls[round % calls.Length];
            int phase = random.Next(3); // 0: disposed before the call starts; 1: during a loop of calls; 2: right after one call
            Subject subject = Make(kind, call, random);
            Exception? ending = null;
            int completed = 0;
            using var firstDone = new ManualResetEventSlim();
            using var started = new ManualResetEventSlim();
            if (phase == 0)
            {
                subject.Dispose();
            }

            var racer = new Thread(() =>
            {
                started.Set();
                try
                {
                    while (true)
                    {
                        subject.Call();
                        completed++;
                        firstDone.Set();
                    }
                }
                catch (Exception e)
                {
                    ending = e;
                }
            })
            { IsBackground = true };
            racer.Start();
            started.Wait();
            if (phase == 1)
            {
                for (int spin = random.Next(0, 5_000); spin > 0; spin--)
                {
                    Thread.SpinWait(1);
                }

                subject.Dispose();
            }
            else if (phase == 2)
            {
                firstDone.Wait(TimeSpan.FromMilliseconds(random.Next(1, 20)));
                subject.Dispose();
            }

            subject.Unblock();
            if (!racer.Join(TimeSpan.FromSeconds(20)))
            {
                Console.WriteLine($"{kind} {call} (phase {phase}): the call did not end 20 s after the dispose");
                return 1;
            }

            if (ending is ObjectDisposedException)
            {
                disposedEnds++;
                normalEnds += completed;
            }
            else
            {
                wrong++;
                Console.WriteLine($"{kind} {call} (phase {phase}): a call ended with {ending}");
            }

            string? problem = subject.Check();
            if (problem is not null)
            {
                wrong++;
                Console.WriteLine($"{kind} {call} (phase {phase}): {problem}");
            }
        }

        Console.WriteLine($"{kind}: rounds {rounds * calls.Length}, wrong {wrong}, calls ended normally {normalEnds}, with ObjectDisposedException {disposedEnds}");
        return wrong == 0 ? RemoteExecutor.SuccessExitCode : 1;
    }

    private static string[] Calls(string kind) => kind switch
    {
        "attachment" => ["span-write", "span-read", "get-span", "read-only-span", "as-ref", "read", "write"],
        "struct" => ["value", "read-only-value"],
        "segment" => ["attach", "info"],
        "queue" => ["send", "try-send-timed", "send-async", "receive", "try-receive", "try-receive-timed", "receive-cancellable", "receive-async", "receive-async-cancellable", "info"],
        "semaphore" => ["wait", "try-wait-timed", "wait-cancellable", "release", "operate", "try-operate-timed", "get-values", "set-values"],
        "channel-waits" => ["read-timed", "read-cancellable", "wait-to-read", "wait-to-read-async", "adapter-read-async", "write-timed", "write-cancellable", "wait-to-write", "adapter-write-async"],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such kind"),
    };

    private static Subject Make(string kind, string call, Random random) => kind switch
    {
        "attachment" => Attachment(call),
        "struct" => Struct(call),
        "segment" => Segment(call, random),
        "queue" => Queue(call, random),
        "semaphore" => Semaphore(call, random),
        _ => ChannelWaits(call),
    };

    private static Subject Attachment(string call)
    {
        var segment = SharedMemorySegment.Create(IpcKey.Private, 64 * 1024, options: new() { RemoveOnDispose = true });
        SharedMemoryAttachment attachment = segment.Attach();
        return new Subject
        {
            Call = call switch
            {
                "span-write" => () => attachment.Span.Fill(1),
                "span-read" => () => _ = attachment.Span.IndexOf((byte)7),
                "get-span" => () => attachment.GetSpan(4096, 8192).Fill(2),
                "read-only-span" => () => _ = attachment.ReadOnlySpan.IndexOf((byte)7),
                "as-ref" => () => attachment.AsRef<long>(60 * 1024)++,
                "read" => () => _ = attachment.Read<long>(8),
                _ => () => attachment.Write(16, 5L),
            },
            Dispose = attachment.Dispose,
            Check = () =>
            {
                long attached = segment.GetInfo().AttachCount;
                segment.Dispose();
                return attached == 0 ? null : $"{attached} attachments left after the only one was disposed";
            },
        };
    }

    private static Subject Struct(string call)
    {
        var area = SharedStruct<Counters>.Create(IpcKey.Private, options: new() { RemoveOnDispose = true });
        var observer = SharedStruct<Counters>.OpenById(area.Id, SharedMemoryAccess.ReadOnly);
        return new Subject
        {
            Call = call == "value"
                ? () =>
                {
                    ref Counters value = ref area.Value;
                    value.A++;
                    value.B = value.A;
                }
                : () => _ = area.ReadOnlyValue.A + area.ReadOnlyValue.B,
            Dispose = area.Dispose,
            Check = () =>
            {
                long attached = observer.Segment.GetInfo().AttachCount;
                observer.Dispose();
                return attached == 1 ? null : $"{attached} attachments of the area, where only the observer's should be left";
            },
        };
    }

    private static Subject Segment(string call, Random random)
    {
        bool remove = random.Next(2) == 0;
        var segment = SharedMemorySegment.Create(IpcKey.Private, 8192, options: new() { RemoveOnDispose = remove });
        int id = segment.Id;
        var attachments = new List<SharedMemoryAttachment>();
        return new Subject
        {
            Call = call == "attach"
                ? () =>
                {
                    SharedMemoryAttachment attachment = segment.Attach();
                    attachment.Span[0] = 1;
                    attachments.Add(attachment);
                }
                : () => _ = segment.GetInfo(),
            Dispose = segment.Dispose,
            Check = () =>
            {
                string? problem = null;
                if (!remove)
                {
                    using var again = SharedMemorySegment.OpenById(id);
                    long attached = again.GetInfo().AttachCount;
                    problem = attached == attachments.Count ? null : $"{attached} attachments, {attachments.Count} made";
                }

                attachments.ForEach(a => a.Dispose());
                if (!remove)
                {
                    SharedMemorySegment.TryRemove(id);
                }
                else if (IpcSystemHas(id))
                {
                    problem = "the segment was not removed on dispose";
                    SharedMemorySegment.TryRemove(id);
                }

                return problem;
            },
        };
    }

    private static bool IpcSystemHas(int segmentId)
    {
        try
        {
            using var segment = SharedMemorySegment.OpenById(segmentId);
            return !segment.GetInfo().IsMarkedForRemoval; // marked (SHM_DEST): gone with its last attachment
        }
        catch (IpcObjectNotFoundException)
        {
            return false;
        }
    }

    private static Subject Queue(string call, Random random)
    {
        bool remove = random.Next(2) == 0;
        var queue = MessageQueue.Create(IpcKey.Private);
        queue.RemoveOnDispose = remove;
        var other = MessageQueue.OpenById(queue.Id);
        other.RemoveOnDispose = true;
        bool sending = call.Contains("send", StringComparison.Ordinal);
        long sent = 0, received = 0;
        if (!sending)
        {
            for (int i = 0, n = random.Next(0, 4); i < n; i++)
            {
                other.Send(1, new byte[8]);
                sent++;
            }
        }
        else
        {
            other.SetMaxBytes(64); // eight 8-byte messages fill it: the senders block
        }

        var buffer = new byte[64];
        var never = new CancellationTokenSource();
        long racer = 0; // messages the racing call sent or received, counted only when it ended normally
        Func<bool> action = call switch
        {
            "send" => () => { queue.Send(1, new byte[8]); return true; },
            "try-send-timed" => () => queue.TrySend(1, new byte[8], TimeSpan.FromMilliseconds(5)),
            "send-async" => () => { queue.SendAsync(1, new byte[8]).AsTask().GetAwaiter().GetResult(); return true; },
            "receive" => () => { queue.Receive(buffer, out _); return true; },
            "try-receive" => () => queue.TryReceive(buffer, out _, out _),
            "try-receive-timed" => () => queue.TryReceive(buffer, out _, out _, timeout: TimeSpan.FromMilliseconds(5)),
            "receive-cancellable" => () => queue.TryReceive(buffer, out _, out _, timeout: Timeout.InfiniteTimeSpan, cancellationToken: never.Token),
            "receive-async" => () => { queue.ReceiveAsync().AsTask().GetAwaiter().GetResult(); return true; },
            "receive-async-cancellable" => () => { queue.ReceiveAsync(cancellationToken: never.Token).AsTask().GetAwaiter().GetResult(); return true; },
            _ => () => { _ = queue.GetInfo(); return false; },
        };
        return new Subject
        {
            Call = () =>
            {
                if (action())
                {
                    racer++;
                }
            },
            Dispose = queue.Dispose,
            Unblock = () =>
            {
                if (remove)
                {
                    return;
                }

                // A call still blocked in the kernel needs the queue to change: a message for a receiver, room for a sender.
                if (sending)
                {
                    while (other.TryReceive(buffer, out _, out _, timeout: TimeSpan.FromMilliseconds(20)))
                    {
                        received++;
                    }
                }
                else if (call != "info")
                {
                    other.Send(1, new byte[8]);
                    sent++;
                }
            },
            Check = () =>
            {
                string? problem = null;
                if (!remove)
                {
                    // Every message is somewhere: sent by us or the racing call, received by us or by it, or still queued.
                    while (sending && other.TryReceive(buffer, out _, out _))
                    {
                        received++;
                    }

                    long queued = other.GetInfo().MessageCount;
                    bool balanced = sending ? queued == 0 && received == racer : queued == sent - racer;
                    problem = balanced
                        ? null
                        : $"{(sending ? $"{racer} sends ended normally, {received} messages received from the queue" : $"{sent} messages sent, {racer} receives ended normally")}, and {queued} are left";
                }

                other.Dispose();
                never.Dispose();
                return problem;
            },
        };
    }

    private static Subject Semaphore(string call, Random random)
    {
        bool remove = random.Next(2) == 0;
        bool releasing = call is "release" or "set-values" or "get-values";
        var set = SemaphoreSet.Create(IpcKey.Private, 2, [0, 0], options: new() { RemoveOnDispose = remove });
        var other = SemaphoreSet.OpenById(set.Id);
        other.RemoveOnDispose = true;
        long taken = 0, given = 0, releasedByRacer = 0;
        var never = new CancellationTokenSource();
        var values = new int[2];
        Action action = call switch
        {
            "wait" => () => { set.Wait(0); Interlocked.Increment(ref taken); },
            "try-wait-timed" => () => { if (set.TryWait(0, TimeSpan.FromMilliseconds(2))) { Interlocked.Increment(ref taken); } },
            "wait-cancellable" => () => { set.Wait(0, cancellationToken: never.Token); Interlocked.Increment(ref taken); },
            "operate" => () => { set.Operate([SemaphoreOperation.Wait(0), SemaphoreOperation.Release(1)]); Interlocked.Increment(ref taken); },
            "try-operate-timed" => () => { if (set.TryOperate([SemaphoreOperation.Wait(0), SemaphoreOperation.Release(1)], TimeSpan.FromMilliseconds(2))) { Interlocked.Increment(ref taken); } },
            "release" => () =>
            {
                if (Interlocked.Read(ref releasedByRacer) < 30_000)
                {
                    set.Release(0);
                    Interlocked.Increment(ref releasedByRacer);
                }
                else
                {
                    _ = set.GetValue(0);
                }
            },
            "get-values" => () => set.GetValues(values),
            _ => () => set.SetValues([0, 0]),
        };
        return new Subject
        {
            Call = action,
            Dispose = set.Dispose,
            Unblock = () =>
            {
                if (!remove && !releasing)
                {
                    try
                    {
                        other.Release(0);
                        given++;
                    }
                    catch (IpcException)
                    {
                    }
                }
            },
            Check = () =>
            {
                string? problem = null;
                if (!remove)
                {
                    int value = other.GetValue(0), second = other.GetValue(1);
                    if (call == "release" && value != releasedByRacer)
                    {
                        problem = $"{releasedByRacer} releases ended normally, but the value is {value}";
                    }
                    else if (!releasing && value + taken != given)
                    {
                        problem = $"{given} units given, {taken} taken by calls that ended normally, but {value} left";
                    }
                    else if (call.Contains("operate", StringComparison.Ordinal) && second != taken)
                    {
                        problem = $"{taken} operations ended normally, but the second semaphore is {second}";
                    }
                }

                other.Dispose();
                return problem;
            },
        };
    }

    private static Subject ChannelWaits(string call)
    {
        var channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { RemoveOnDispose = true });
        var wait = new ChannelWaitStrategy { SpinCount = 10, YieldCount = 2, SleepSlice = TimeSpan.FromMilliseconds(20) };
        bool reading = call.Contains("read", StringComparison.Ordinal);
        SharedMemoryChannelReader reader = channel.OpenReader(wait);
        SharedMemoryChannelWriter writer = channel.OpenWriter(wait);
        var message = new byte[1000];
        if (!reading)
        {
            while (writer.TryWrite(message))
            {
                // full: the writer's waits block
            }
        }

        var never = new CancellationTokenSource();
        ChannelReader<byte[]> adapterReader = reader.AsChannelReader();
        ChannelWriter<ReadOnlyMemory<byte>> adapterWriter = writer.AsChannelWriter();
        Action action = call switch
        {
            "read-timed" => () => reader.Read(TimeSpan.FromMilliseconds(5), CancellationToken.None),
            "read-cancellable" => () => reader.Read(Timeout.InfiniteTimeSpan, never.Token),
            "wait-to-read" => () => reader.WaitToRead(TimeSpan.FromMilliseconds(5)),
            "wait-to-read-async" => () => reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult(),
            "adapter-read-async" => () => adapterReader.ReadAsync().AsTask().GetAwaiter().GetResult(),
            "write-timed" => () => writer.Write(message, TimeSpan.FromMilliseconds(5)),
            "write-cancellable" => () => writer.Write(message, never.Token),
            "wait-to-write" => () => writer.WaitToWrite(message.Length, TimeSpan.FromMilliseconds(5)),
            _ => () => adapterWriter.WriteAsync(message).AsTask().GetAwaiter().GetResult(),
        };
        return new Subject
        {
            Call = () =>
            {
                try
                {
                    action();
                }
                catch (TimeoutException)
                {
                    // a timed form that timed out ended normally
                }
                catch (ChannelClosedException e) when (e.InnerException is ObjectDisposedException disposed)
                {
                    throw disposed; // the adapters report a disposed reader or writer as the channel's end, with the cause inside
                }
            },
            Dispose = reading ? reader.Dispose : writer.Dispose,
            Check = () =>
            {
                string? problem = null;
                try
                {
                    // The disposed side's slot is free again, and the channel still carries a message.
                    using SharedMemoryChannelReader newReader = reading ? channel.OpenReader() : reader;
                    using SharedMemoryChannelWriter newWriter = reading ? writer : channel.OpenWriter();
                    while (newReader.TryRead(out _))
                    {
                    }

                    newWriter.Write(TestMessages.Make(3, 1, 64), TimeSpan.FromSeconds(10));
                    TestMessages.Check(newReader.Read(TimeSpan.FromSeconds(10), CancellationToken.None));
                }
                catch (Exception e)
                {
                    problem = "the channel did not go on after the dispose: " + e.Message;
                }

                reader.Dispose();
                writer.Dispose();
                channel.Dispose();
                return problem;
            },
        };
    }
}
