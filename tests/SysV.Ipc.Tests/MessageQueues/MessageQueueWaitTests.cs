using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.MessageQueues;

/// <summary>Blocking, removal while blocked, signals, async receives and what cancelling them costs.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class MessageQueueWaitTests : IpcLeakGuard
{
    private static readonly TimeSpan s_settle = TimeSpan.FromMilliseconds(200);
    private static int s_signalsHandled;

    [Fact]
    public async Task BlockedReceive_WakesWithRemoved_WhenTheQueueIsRemoved()
    {
        using var queue = Queues.New();
        Task<int> receive = Task.Factory.StartNew(() => queue.Receive(new byte[16], out _), TaskCreationOptions.LongRunning);
        await Task.Delay(s_settle);
        Assert.False(receive.IsCompleted);

        queue.Remove();
        var e = await Assert.ThrowsAsync<IpcObjectRemovedException>(() => receive.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(43, e.ErrorNumber);
        Assert.Contains("was removed while this process was using it", e.Message, StringComparison.Ordinal);
        Assert.Contains("msgrcv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlockedSend_WakesWithRemoved_WhenTheQueueIsRemoved()
    {
        using var queue = Queues.New();
        queue.SetMaxBytes(8);
        queue.Send(1, new byte[8]);
        Task send = Task.Factory.StartNew(() => queue.Send(1, new byte[8]), TaskCreationOptions.LongRunning);
        Task<bool> timedSend = Task.Run(() => queue.TrySend(1, new byte[8], Timeout.InfiniteTimeSpan));
        using var cts = new CancellationTokenSource();
        ValueTask asyncSend = queue.SendAsync(1, new byte[8], cts.Token);
        await Task.Delay(s_settle);
        Assert.False(send.IsCompleted);

        queue.Remove();
        var e = await Assert.ThrowsAsync<IpcObjectRemovedException>(() => send.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("msgsnd", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<IpcObjectRemovedException>(() => timedSend.WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<IpcObjectRemovedException>(() => asyncSend.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ReceiveAsync_BothWaysOfWaiting_WakeWithRemoved()
    {
        using var queue = Queues.New();
        using var cts = new CancellationTokenSource();
        ValueTask<ReceivedMessage> blocking = queue.ReceiveAsync();                  // dedicated thread in msgrcv
        ValueTask<ReceivedMessage> polling = queue.ReceiveAsync(default, cts.Token); // IPC_NOWAIT polling
        Task<bool> timed = Task.Run(() => queue.TryReceive(new byte[8], out _, out _, default, default, Timeout.InfiniteTimeSpan));
        await Task.Delay(s_settle);

        queue.Remove();
        await Assert.ThrowsAsync<IpcObjectRemovedException>(() => blocking.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<IpcObjectRemovedException>(() => polling.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<IpcObjectRemovedException>(() => timed.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ReceiveAsync_GetsALaterMessage_WithAndWithoutAToken()
    {
        using var queue = Queues.New();
        using var cts = new CancellationTokenSource();
        ValueTask<ReceivedMessage> blocking = queue.ReceiveAsync(MessageSelector.OfType(2));
        ValueTask<ReceivedMessage> polling = queue.ReceiveAsync(MessageSelector.OfType(3), cts.Token);
        await Task.Delay(50);
        queue.Send(3, Queues.Text("three"));
        queue.Send(2, Queues.Text("two"));

        ReceivedMessage two = await blocking.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        ReceivedMessage three = await polling.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((2L, "two"), (two.Type, Queues.Text(two.Body)));
        Assert.Equal((3L, "three"), (three.Type, Queues.Text(three.Body)));

        // Already there: completes synchronously, with a body of exactly the message's length.
        queue.Send(4, new byte[5000]);
        ValueTask<ReceivedMessage> ready = queue.ReceiveAsync();
        Assert.True(ready.IsCompletedSuccessfully);
        Assert.Equal(5000, (await ready).Body.Length);
    }

    [Fact]
    public async Task CancelledReceiveAsync_ReturnsPromptly_AndTakesNothing()
    {
        using var queue = Queues.New();
        using var cts = new CancellationTokenSource();
        ValueTask<ReceivedMessage> receive = queue.ReceiveAsync(MessageSelector.Any, cts.Token);
        await Task.Delay(s_settle); // past the short backoff steps: now sleeping 10 ms between polls
        Assert.False(receive.IsCompleted);

        // The cancellation alone ends the wait: no message, no removal, nothing else happens to the queue.
        // (The 10 s only keeps a hang from stalling the suite; it is not a latency bound.)
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

        queue.Send(1, Queues.Text("kept"));
        Assert.Equal((1L, "kept"), Queues.Take(queue));

        ValueTask<ReceivedMessage> already = queue.ReceiveAsync(MessageSelector.Any, cts.Token);
        Assert.True(already.IsCanceled);
    }

    [Fact]
    public async Task CancellingReceivesWhileMessagesArrive_LosesAndDuplicatesNothing()
    {
        const int count = 300;
        using var queue = Queues.New();
        var received = new List<long>();
        Task producer = Task.Run(async () =>
        {
            var body = new byte[8];
            for (long i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(body, i);
                queue.Send(1, body);
                if (i % 3 == 0)
                {
                    await Task.Delay(1);
                }
            }
        });

        int cancelled = 0;
        while (!producer.IsCompleted || queue.GetInfo().MessageCount > 0)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 4)));
            try
            {
                ReceivedMessage message = await queue.ReceiveAsync(MessageSelector.Any, cts.Token);
                received.Add(BinaryPrimitives.ReadInt64LittleEndian(message.Body));
            }
            catch (OperationCanceledException)
            {
                cancelled++;
            }
        }

        await producer;
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), received);
        Assert.True(cancelled > 0, "no receive was cancelled: the test proved nothing");
    }

    [Fact]
    public async Task SendAsync_WaitsForRoom_AndACancelledSendSendsNothing()
    {
        using var queue = Queues.New();
        queue.SetMaxBytes(10);
        queue.Send(1, new byte[10]);

        using (var cts = new CancellationTokenSource(100))
        {
            ValueTask cancelled = queue.SendAsync(2, new byte[10], cts.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(1, queue.GetInfo().MessageCount);
        }

        using var token = new CancellationTokenSource();
        ValueTask polling = queue.SendAsync(3, Queues.Text("poll"), token.Token);
        ValueTask blocking = queue.SendAsync(4, Queues.Text("blok"));
        Assert.False(polling.IsCompleted);
        Assert.False(blocking.IsCompleted);
        for (int i = 0; i < 3; i++)
        {
            queue.Receive(new byte[10], out _, default, default);
            await Task.Delay(50);
        }

        await polling.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await blocking.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, queue.GetInfo().MessageCount);
    }

    [Fact]
    public void Signals_InterruptingABlockedReceive_AreRetried()
    {
        using var queue = Queues.New();
        RemoteExecutor.Run(ReceiveWhileSignalled, queue.Id.ToString(CultureInfo.InvariantCulture));
    }

    private static int ReceiveWhileSignalled(string idText)
    {
        // A handled signal makes a blocked msgrcv fail with EINTR (never restarted); the library must retry.
        using PosixSignalRegistration registration = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context =>
        {
            Interlocked.Increment(ref s_signalsHandled);
            context.Cancel = true;
        });
        using var queue = MessageQueue.OpenById(int.Parse(idText, CultureInfo.InvariantCulture));
        int tid = 0;
        long type = 0;
        int length = -1;
        Exception? error = null;
        var receiver = new Thread(() =>
        {
            Volatile.Write(ref tid, gettid());
            try
            {
                length = queue.Receive(new byte[64], out type);
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        receiver.Start();
        while (Volatile.Read(ref tid) == 0)
        {
            Thread.Sleep(1);
        }

        Thread.Sleep(200);
        for (int i = 0; i < 10; i++)
        {
            if (tgkill(Environment.ProcessId, tid, 28 /* SIGWINCH */) != 0)
            {
                Console.Error.WriteLine("tgkill failed");
                return 1;
            }

            Thread.Sleep(20);
        }

        if (!receiver.IsAlive || error is not null)
        {
            Console.Error.WriteLine($"The receive ended on a signal: {error}");
            return 2;
        }

        queue.Send(77, Queues.Text("after the signals"));
        if (!receiver.Join(TimeSpan.FromSeconds(10)) || error is not null || type != 77 || length != 17)
        {
            Console.Error.WriteLine($"Receive after signals: type {type}, length {length}, error {error}");
            return 3;
        }

        for (int i = 0; i < 100 && Volatile.Read(ref s_signalsHandled) == 0; i++)
        {
            Thread.Sleep(10);
        }

        if (Volatile.Read(ref s_signalsHandled) == 0)
        {
            Console.Error.WriteLine("No signal was handled: the test proved nothing.");
            return 4;
        }

        return RemoteExecutor.SuccessExitCode;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int gettid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tgkill(int tgid, int tid, int signal);
}
