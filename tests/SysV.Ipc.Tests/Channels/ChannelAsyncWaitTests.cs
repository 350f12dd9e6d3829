using System.Threading.Channels;
using System.Diagnostics;
using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// Asynchronous waits without a thread per waiter: 1,000 pending reads on 1,000 channels grow the process
/// by a handful of threads (counted in /proc/self/status) and all complete when written to; cancellation
/// takes a wait out at once and loses nothing; writers waiting for room; a dead peer; the fallback.
/// </summary>
public sealed class ChannelAsyncWaitTests(Xunit.Abstractions.ITestOutputHelper output) : IpcLeakGuard
{
    private static readonly ChannelWaitStrategy s_sleepAtOnce = new() { SpinCount = 0, YieldCount = 0, SleepSlice = TimeSpan.FromSeconds(5) };

    [Fact]
    public void AThousandPendingReadsOnAThousandChannels_TakeAHandfulOfThreads_AndAllComplete()
    {
        // In a child: the thread count of a process that runs nothing else, and 3,000 attachments gone with it.
        using RemoteProcess child = RemoteExecutor.Start(ThousandPendingReads, "1000", "auto");
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(240));
        output.WriteLine(child.StandardOutput);
        Assert.Contains("all 1000 reads completed", child.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void TheFallbackForcedByTheEnvironmentVariable_CompletesPendingReadsToo()
    {
        var psi = new Dictionary<string, string> { ["SYSV_IPC_CHANNEL_WAITV"] = "off" };
        using RemoteProcess child = RemoteExecutor.Start(psi, ThousandPendingReads, "300", "expect-fallback");
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(240));
        Assert.Contains("all 300 reads completed", child.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_CompletesWhenAnotherProcessWrites()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 14, new() { RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader(s_sleepAtOnce);
        ValueTask<byte[]> read = reader.ReadAsync();
        Assert.False(read.IsCompleted);
        using RemoteProcess child = RemoteExecutor.Start(WriteOne, TestMessages.Arg(channel.Id), "7");
        byte[] message = await read.AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal((7, 0L), TestMessages.Check(message));
        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task CancellingAPendingRead_EndsItAtOnce_AndTheMessageWrittenAfterStaysInTheChannel()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 14, new() { RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader(s_sleepAtOnce);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using var cancel = new CancellationTokenSource();
        Task<byte[]> read = reader.ReadAsync(cancel.Token).AsTask();
        await Task.Delay(50);
        Assert.False(read.IsCompleted);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(TimeSpan.FromSeconds(10)));

        writer.Write(TestMessages.Make(1, 1, 40));
        Assert.True(reader.TryRead(out byte[]? message));
        Assert.Equal((1, 1L), TestMessages.Check(message!));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader.ReadAsync(cancel.Token).AsTask());
    }

    [Fact]
    public async Task CancellationRacingAWrite_EitherReturnsTheMessageOrLeavesItInTheChannel()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 14, new() { RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader(s_sleepAtOnce);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        int returned = 0, left = 0;
        for (int round = 0; round < 300; round++)
        {
            using var cancel = new CancellationTokenSource();
            Task<byte[]> read = reader.ReadAsync(cancel.Token).AsTask();
            var both = new Barrier(2);
            Task writing = Task.Run(() =>
            {
                both.SignalAndWait();
                writer.Write(TestMessages.Make(2, round, 32));
            });
            both.SignalAndWait();
            if (round % 2 == 0)
            {
                Thread.SpinWait(round * 10);
            }

            cancel.Cancel();
            await writing;
            byte[] message;
            try
            {
                message = await read.WaitAsync(TimeSpan.FromSeconds(30));
                returned++;
            }
            catch (OperationCanceledException)
            {
                Assert.True(reader.TryRead(out byte[]? stayed), $"round {round}: the read was cancelled and the message is not in the channel");
                message = stayed!;
                left++;
            }

            Assert.Equal((2, (long)round), TestMessages.Check(message));
            Assert.False(reader.TryRead(out _), $"round {round}: a second message appeared");
        }

        Assert.Equal(300, returned + left);
    }

    [Fact]
    public async Task WriteAsyncAndWaitToWriteAsync_WaitForRoom_AndCancelWithoutWriting()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader();
        using SharedMemoryChannelWriter writer = channel.OpenWriter(s_sleepAtOnce);
        var message = new byte[1000];
        int written = 0;
        while (writer.TryWrite(message))
        {
            written++;
        }

        using (var cancel = new CancellationTokenSource())
        {
            Task waiting = writer.WriteAsync(TestMessages.Make(3, 99, 1000), cancel.Token).AsTask();
            await Task.Delay(50);
            Assert.False(waiting.IsCompleted);
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Task room = writer.WaitToWriteAsync(1000).AsTask();
        await Task.Delay(50);
        Assert.False(room.IsCompleted);
        Assert.True(reader.TryRead(out _));
        Assert.True(reader.TryRead(out _)); // a quarter of the ring read: the reader hands the space back
        await room.WaitAsync(TimeSpan.FromSeconds(30));
        await writer.WriteAsync(TestMessages.Make(3, 1, 1000)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        // The cancelled write wrote nothing: the ring holds the first messages and then exactly the one written after.
        for (int i = 2; i < written; i++)
        {
            Assert.True(reader.TryRead(out _));
        }

        Assert.True(reader.TryRead(out byte[]? last));
        Assert.Equal((3, 1L), TestMessages.Check(last!));
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public async Task APendingReadWhoseWritersAllDie_EndsWithChannelPeerDiedException()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader(new ChannelWaitStrategy { SpinCount = 0, YieldCount = 0, SleepSlice = TimeSpan.FromMilliseconds(20) });
        RemoteExecutor.Run(OpenAWriterAndExit, TestMessages.Arg(channel.Id));
        var died = await Assert.ThrowsAsync<ChannelPeerDiedException>(() => reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(ChannelRole.Producer, died.Role);
    }

    [Fact]
    public async Task PendingReadsOfBroadcastReaders_AllCompleteWithTheOneMessage()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 14, new() { Mode = ChannelMode.Broadcast, MaxReaders = 8, RemoveOnDispose = true });
        SharedMemoryChannelReader[] readers = [.. Enumerable.Range(0, 8).Select(_ => channel.OpenReader(s_sleepAtOnce))];
        try
        {
            using SharedMemoryChannelWriter writer = channel.OpenWriter();
            Task<byte[]>[] reads = [.. readers.Select(r => r.ReadAsync().AsTask())];
            await Task.Delay(50);
            Assert.DoesNotContain(reads, r => r.IsCompleted);
            writer.Write(TestMessages.Make(4, 2, 64));
            byte[][] messages = await Task.WhenAll(reads).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.All(messages, m => Assert.Equal((4, 2L), TestMessages.Check(m)));
        }
        finally
        {
            foreach (SharedMemoryChannelReader reader in readers)
            {
                reader.Dispose();
            }
        }
    }

    [Fact]
    public async Task WaitToReadAsync_ReturnsFalseOnceCompletedAndDrained()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader(s_sleepAtOnce);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        Task<bool> waiting = reader.WaitToReadAsync().AsTask();
        await Task.Delay(30);
        writer.Write(new byte[10]);
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(reader.TryRead(out _));
        waiting = reader.WaitToReadAsync().AsTask();
        await Task.Delay(30);
        writer.Complete();
        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<ChannelClosedException>(() => reader.ReadAsync().AsTask());
    }

    /// <summary>Child: <paramref name="countText"/> channels, a pending ReadAsync on each, the thread count, then a write to each.</summary>
    private static int ThousandPendingReads(string countText, string expectation)
    {
        if (expectation == "expect-fallback" && ChannelWaitSet.UsesFutexWaitv)
        {
            Console.WriteLine("the environment variable did not force the fallback");
            return 1;
        }

        int count = TestMessages.Int(countText);
        var channels = new List<SharedMemoryChannel>(count);
        var readers = new List<SharedMemoryChannelReader>(count);
        var writers = new List<SharedMemoryChannelWriter>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1024, new() { RemoveOnDispose = true });
                channels.Add(channel);
                readers.Add(channel.OpenReader(s_sleepAtOnce));
                writers.Add(channel.OpenWriter());
            }

            // Let the runtime's own start-up threads settle before counting.
            Thread.Sleep(500);
            int before = Threads();
            var reads = readers.Select(r => r.ReadAsync().AsTask()).ToList();
            if (reads.Any(r => r.IsCompleted))
            {
                Console.WriteLine("a read completed with nothing written");
                return 1;
            }

            Thread.Sleep(500); // every wait has reached its waiter thread by now (it would not matter for the count)
            int pending = Threads();
            Console.WriteLine($"threads before {before}, with {count} reads pending {pending}");
            int allowed = (count + 126) / 127 + 3;
            if (pending - before > allowed)
            {
                Console.WriteLine($"{pending - before} more threads for {count} pending reads, more than {allowed}");
                return 1;
            }

            for (int i = 0; i < count; i++)
            {
                writers[i].Write(TestMessages.Make(i, i, 32));
            }

            if (!Task.WaitAll([.. reads], TimeSpan.FromSeconds(120)))
            {
                Console.WriteLine($"{reads.Count(r => !r.IsCompleted)} reads still pending 120 s after their writes");
                return 1;
            }

            for (int i = 0; i < count; i++)
            {
                if (TestMessages.Check(reads[i].Result) != (i, i))
                {
                    Console.WriteLine($"read {i} returned another channel's message");
                    return 1;
                }
            }

            Console.WriteLine($"all {count} reads completed");
            return RemoteExecutor.SuccessExitCode;
        }
        finally
        {
            foreach (IDisposable d in writers.Concat<IDisposable>(readers).Concat(channels))
            {
                d.Dispose();
            }
        }
    }

    private static int Threads()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Threads:", StringComparison.Ordinal));
        return int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
    }

    private static int WriteOne(string id, string producer)
    {
        Thread.Sleep(100);
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(TestMessages.Int(id));
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        writer.Write(TestMessages.Make(TestMessages.Int(producer), 0, 40));
        return RemoteExecutor.SuccessExitCode;
    }

    private static int OpenAWriterAndExit(string id)
    {
        SharedMemoryChannel channel = SharedMemoryChannel.OpenById(TestMessages.Int(id));
        _ = channel.OpenWriter();
        return RemoteExecutor.SuccessExitCode;
    }
}
