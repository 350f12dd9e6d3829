using System.Diagnostics;
using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// ChannelWaitSet: one thread waiting on many channels. Readiness of exactly the channels written to (by
/// another process), timeouts, cancellation, writers waiting for room, completion, a dead peer, a reader
/// disposed while in the set, and the fallback the environment variable forces, each checked with strace
/// for the system call it must (or must not) make.
/// </summary>
public sealed class ChannelWaitSetTests : IpcLeakGuard
{
    /// <summary>No spinning: every wait of the set sleeps at once, so the tests exercise the sleep.</summary>
    private static readonly ChannelWaitStrategy s_sleepAtOnce = new() { SpinCount = 0, YieldCount = 0, SleepSlice = TimeSpan.FromSeconds(5) };

    [Fact]
    public void TheKernelHereHasFutexWaitv()
    {
        // Linux 5.16+ (this machine runs 6.x): the set must use it, not the fallback, unless told to.
        Assert.Null(Environment.GetEnvironmentVariable("SYSV_IPC_CHANNEL_WAITV"));
        Assert.True(ChannelWaitSet.UsesFutexWaitv, $"futex_waitv was not found on kernel {Environment.OSVersion.Version}");
    }

    [Fact]
    public void ReportsExactlyTheChannelsAnotherProcessWroteTo()
    {
        using var channels = new ChannelGroup(8, writers: false);
        using var set = new ChannelWaitSet(s_sleepAtOnce);
        int[] index = [.. channels.Readers.Select(set.Add)];
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], index);

        Span<ChannelWaitEvent> events = stackalloc ChannelWaitEvent[8];
        Assert.Equal(0, set.Wait(events, TimeSpan.FromMilliseconds(20)));

        using RemoteProcess child = RemoteExecutor.Start(WriteTo, channels.Ids, "2,5");
        HashSet<int> ready = [];
        var clock = Stopwatch.StartNew();
        while (ready.Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            int n = set.Wait(events, TimeSpan.FromSeconds(30));
            foreach (ChannelWaitEvent e in events[..n])
            {
                Assert.Equal(ChannelReadiness.Ready, e.Readiness);
                ready.Add(e.Index);
            }
        }

        child.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(30));
        Assert.Equal([2, 5], ready.Order());

        // Nothing was consumed: the same two are still ready, and exactly they hold a message.
        int again = set.Wait(events, TimeSpan.Zero);
        Assert.Equal([2, 5], events[..again].ToArray().Select(e => e.Index).Order());
        for (int i = 0; i < 8; i++)
        {
            bool read = channels.Readers[i].TryRead(out byte[]? message);
            Assert.Equal(i is 2 or 5, read);
            if (read)
            {
                Assert.Equal(i, TestMessages.Check(message!).Producer);
            }
        }

        Assert.Equal(0, set.Wait(events, TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void AShortEventsSpanReportsTheRestNext_StartingAfterTheLastReported()
    {
        using var channels = new ChannelGroup(4);
        using var set = new ChannelWaitSet(s_sleepAtOnce);
        foreach (SharedMemoryChannelReader reader in channels.Readers)
        {
            set.Add(reader);
        }

        foreach (SharedMemoryChannelWriter writer in channels.Writers)
        {
            Assert.True(writer.TryWrite(new byte[8]));
        }

        Span<ChannelWaitEvent> one = stackalloc ChannelWaitEvent[1];
        List<int> order = [];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(1, set.Wait(one, TimeSpan.Zero));
            order.Add(one[0].Index);
        }

        Assert.Equal([0, 1, 2, 3], order);
    }

    [Fact]
    public void TimesOutWithZeroEvents_AfterTheTimeout()
    {
        using var channels = new ChannelGroup(3);
        using var set = new ChannelWaitSet(s_sleepAtOnce);
        foreach (SharedMemoryChannelReader reader in channels.Readers)
        {
            set.Add(reader);
        }

        Span<ChannelWaitEvent> events = stackalloc ChannelWaitEvent[3];
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, set.Wait(events, TimeSpan.FromMilliseconds(100)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(95), $"returned after {clock.Elapsed.TotalMilliseconds} ms");
        Assert.Equal(0, set.Wait(events, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Wait(new ChannelWaitEvent[1], TimeSpan.FromMilliseconds(-2)));
        Assert.Throws<ArgumentException>(() => set.Wait([], TimeSpan.Zero));
    }

    [Fact]
    public void CancellationEndsASleepingWait_AndConsumesNothing()
    {
        using var channels = new ChannelGroup(2);
        using var set = new ChannelWaitSet(s_sleepAtOnce);
        foreach (SharedMemoryChannelReader reader in channels.Readers)
        {
            set.Add(reader);
        }

        using var cancel = new CancellationTokenSource();
        using var entered = new ManualResetEventSlim();
        Exception? outcome = null;
        var waiter = new Thread(() =>
        {
            entered.Set();
            try
            {
                set.Wait(new ChannelWaitEvent[2], Timeout.InfiniteTimeSpan, cancel.Token);
            }
            catch (Exception e)
            {
                outcome = e;
            }
        });
        waiter.Start();
        entered.Wait();
        Assert.False(waiter.Join(TimeSpan.FromMilliseconds(100)));
        cancel.Cancel();
        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), "the wait did not end within 10 s of the cancellation");
        Assert.IsAssignableFrom<OperationCanceledException>(outcome);

        // The set is still usable, and a message written now is reported.
        Assert.True(channels.Writers[1].TryWrite(TestMessages.Make(1, 0, 32)));
        Span<ChannelWaitEvent> events = stackalloc ChannelWaitEvent[2];
        Assert.Equal(1, set.Wait(events, TimeSpan.FromSeconds(5)));
        Assert.Equal(new ChannelWaitEvent(1, ChannelReadiness.Ready), events[0]);
        Assert.True(channels.Readers[1].TryRead(out _));

        // What is ready is reported even under a cancelled token; with nothing ready, the token ends the wait.
        Assert.Throws<OperationCanceledException>(() => set.Wait(new ChannelWaitEvent[1], Timeout.InfiniteTimeSpan, cancel.Token));
    }

    [Fact]
    public void AWriterIsReadyWhenItsMessageFits_AndAtCompletion()
    {
        using var channels = new ChannelGroup(1, capacity: 4096);
        SharedMemoryChannelWriter writer = channels.Writers[0];
        var message = new byte[1000];
        while (writer.TryWrite(message))
        {
        }

        using var set = new ChannelWaitSet(s_sleepAtOnce);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Add(writer, channels.Channels[0].MaxMessageSize + 1));
        int index = set.Add(writer, message.Length);
        Span<ChannelWaitEvent> events = stackalloc ChannelWaitEvent[1];
        Assert.Equal(0, set.Wait(events, TimeSpan.FromMilliseconds(20)));

        var reading = new Thread(() =>
        {
            Thread.Sleep(50);
            for (int i = 0; i < 2; i++)
            {
                channels.Readers[0].Read(new byte[1000]);
            }
        });
        reading.Start();
        Assert.Equal(1, set.Wait(events, TimeSpan.FromSeconds(30)));
        Assert.Equal(new ChannelWaitEvent(index, ChannelReadiness.Ready), events[0]);
        reading.Join();
        Assert.True(writer.TryWrite(message));

        writer.Complete();
        Assert.Equal(1, set.Wait(events, TimeSpan.Zero));
        Assert.Equal(ChannelReadiness.Completed, events[0].Readiness);
    }

    [Fact]
    public void AReaderOfACompletedChannelIsReadyWithItsLastMessage_ThenCompleted()
    {
        using var channels = new ChannelGroup(1);
        using var set = new ChannelWaitSet(s_sleepAtOnce);
        set.Add(channels.Readers[0]);
        Assert.True(channels.Writers[0].TryWrite(new byte[16]));
        channels.Writers[0].Complete();
        Span<ChannelWaitEvent> events = stackalloc ChannelWaitEvent[1];
        Assert.Equal(1, set.Wait(events, TimeSpan.Zero));
        Assert.Equal(ChannelReadiness.Ready, events[0].Readiness);
        Assert.True(channels.Readers[0].TryRead(out _));
        Assert.Equal(1, set.Wait(events, TimeSpan.Zero));
        Assert.Equal(ChannelReadiness.Completed, events[0].Readiness);
    }

    [Fact]
    public void AReaderWhoseWritersAllDiedIsReportedPeerDied()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader();
        RemoteExecutor.Run(OpenAWriterAndExit, TestMessages.Arg(channel.Id)); // exits without disposing it: a dead writer's slot
        using var set = new ChannelWaitSet(new ChannelWaitStrategy { SpinCount = 0, YieldCount = 0, SleepSlice = TimeSpan.FromMilliseconds(20) });
        set.Add(reader);
        Span<ChannelWaitEvent> events = stackalloc ChannelWaitEvent[1];
        Assert.Equal(1, set.Wait(events, TimeSpan.FromSeconds(30)));
        Assert.Equal(ChannelReadiness.PeerDied, events[0].Readiness);
        Assert.Throws<ChannelPeerDiedException>(() => reader.Read(TimeSpan.FromSeconds(30), CancellationToken.None));
    }

    [Fact]
    public void BroadcastReadersJoinTheSet_EachReadyUntilItHasReadTheMessage()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 14, new() { Mode = ChannelMode.Broadcast, MaxReaders = 4, RemoveOnDispose = true });
        using SharedMemoryChannelReader first = channel.OpenReader(s_sleepAtOnce);
        using SharedMemoryChannelReader second = channel.OpenReader(s_sleepAtOnce);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using var set = new ChannelWaitSet(s_sleepAtOnce);
        Assert.Equal(0, set.Add(first));
        Assert.Equal(1, set.Add(second));
        Span<ChannelWaitEvent> events = stackalloc ChannelWaitEvent[2];
        Assert.Equal(0, set.Wait(events, TimeSpan.FromMilliseconds(20)));

        var writing = new Thread(() =>
        {
            Thread.Sleep(50);
            writer.Write(TestMessages.Make(9, 1, 40));
        });
        writing.Start();
        HashSet<int> ready = [];
        while (ready.Count < 2)
        {
            int n = set.Wait(events, TimeSpan.FromSeconds(30));
            Assert.True(n > 0, "the broadcast write did not wake the set");
            ready.UnionWith(events[..n].ToArray().Select(e => e.Index));
        }

        writing.Join();
        Assert.True(first.TryRead(out byte[]? a));
        Assert.Equal((9, 1L), TestMessages.Check(a!));
        Assert.Equal(1, set.Wait(events, TimeSpan.Zero));
        Assert.Equal(new ChannelWaitEvent(1, ChannelReadiness.Ready), events[0]);
        Assert.True(second.TryRead(out _));
        Assert.Equal(0, set.Wait(events, TimeSpan.Zero));
    }

    [Fact]
    public void AddAndRemove_CheckWhatTheyAreGiven()
    {
        using var channels = new ChannelGroup(2);
        using var set = new ChannelWaitSet();
        Assert.Equal(0, set.Add(channels.Readers[0]));
        Assert.Equal(1, set.Add(channels.Writers[1], 10));
        Assert.Throws<InvalidOperationException>(() => set.Add(channels.Readers[0]));
        Assert.Throws<InvalidOperationException>(() => set.Add(channels.Writers[1], 20));
        Assert.Equal(2, set.Count);
        set.Remove(0);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Remove(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Remove(ChannelWaitSet.MaxEntries));
        Assert.Equal(0, set.Add(channels.Readers[1]));
        Assert.Equal(2, set.Add(channels.Writers[0], 10));

        channels.Readers[0].Dispose();
        Assert.Throws<ObjectDisposedException>(() => set.Add(channels.Readers[0]));
        set.Dispose();
        Assert.Throws<ObjectDisposedException>(() => set.Add(channels.Writers[0], 1));
        Assert.Throws<ObjectDisposedException>(() => set.Wait(new ChannelWaitEvent[1], TimeSpan.Zero));
    }

    [Fact]
    public void HoldsUpTo128_AndRefusesMore()
    {
        using var channels = new ChannelGroup(129, capacity: 1024);
        using var set = new ChannelWaitSet(s_sleepAtOnce);
        for (int i = 0; i < ChannelWaitSet.MaxEntries; i++)
        {
            Assert.Equal(i, set.Add(channels.Readers[i]));
        }

        var full = Assert.Throws<InvalidOperationException>(() => set.Add(channels.Readers[128]));
        Assert.Contains("at most 128", full.Message, StringComparison.Ordinal);

        // All 128 words in one wait: the last one written wakes it.
        Span<ChannelWaitEvent> events = stackalloc ChannelWaitEvent[128];
        Assert.Equal(0, set.Wait(events, TimeSpan.FromMilliseconds(10)));
        var writing = new Thread(() =>
        {
            Thread.Sleep(50);
            channels.Writers[127].Write(new byte[24]);
        });
        writing.Start();
        Assert.Equal(1, set.Wait(events, TimeSpan.FromSeconds(30)));
        Assert.Equal(new ChannelWaitEvent(127, ChannelReadiness.Ready), events[0]);
        writing.Join();
    }

    [Theory]
    [InlineData("reader")]
    [InlineData("writer")]
    [InlineData("set")]
    public void DisposingWhileTheSetWaits_IsReportedOrEndsTheWait_WithoutACrash(string what)
    {
        // In a child: a crash would be an exit code, not the end of the test run.
        RemoteExecutor.Run(DisposeWhileWaiting, what);
    }

    [RequiresProgramFact("strace", "eng/install-prerequisites.sh installs it: apt-get install strace")]
    public void WaitsWithOneFutexWaitvCall()
    {
        string[] log = Strace.RunRemote(typeof(ChannelWaitSetTests), nameof(WaitForTwoOfFour), ["-e", "trace=futex_waitv"], environment: null, "expect-waitv");
        Assert.Contains(log, line => line.Contains("futex_waitv(", StringComparison.Ordinal));
    }

    [RequiresProgramFact("strace", "eng/install-prerequisites.sh installs it: apt-get install strace")]
    public void TheFallbackForcedByTheEnvironmentVariable_FindsTheSameChannels_WithoutFutexWaitv()
    {
        string[] log = Strace.RunRemote(
            typeof(ChannelWaitSetTests), nameof(WaitForTwoOfFour), ["-e", "trace=futex_waitv"], new Dictionary<string, string> { ["SYSV_IPC_CHANNEL_WAITV"] = "off" }, "expect-fallback");
        Assert.DoesNotContain(log, line => line.Contains("futex_waitv(", StringComparison.Ordinal));
    }

    /// <summary>Child: writes one message to each listed channel (by position in the id list).</summary>
    private static int WriteTo(string ids, string which)
    {
        int[] segments = [.. ids.Split(',').Select(TestMessages.Int)];
        foreach (int i in which.Split(',').Select(TestMessages.Int))
        {
            using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(segments[i]);
            using SharedMemoryChannelWriter writer = channel.OpenWriter();
            writer.Write(TestMessages.Make(i, 0, 48));
        }

        return RemoteExecutor.SuccessExitCode;
    }

    private static int OpenAWriterAndExit(string id)
    {
        SharedMemoryChannel channel = SharedMemoryChannel.OpenById(TestMessages.Int(id));
        _ = channel.OpenWriter();
        return RemoteExecutor.SuccessExitCode; // neither disposed: the slot keeps this process's identity
    }

    /// <summary>Child: four channels in a set, messages to 1 and 3 from another thread while it sleeps; the set must report exactly those.</summary>
    private static int WaitForTwoOfFour(string expectation)
    {
        bool waitv = ChannelWaitSet.UsesFutexWaitv;
        if (waitv != (expectation == "expect-waitv"))
        {
            Console.WriteLine($"UsesFutexWaitv is {waitv}, against {expectation}");
            return 1;
        }

        using var channels = new ChannelGroup(4);
        using var set = new ChannelWaitSet(s_sleepAtOnce);
        foreach (SharedMemoryChannelReader reader in channels.Readers)
        {
            set.Add(reader);
        }

        var events = new ChannelWaitEvent[4];
        if (set.Wait(events, TimeSpan.FromMilliseconds(30)) != 0)
        {
            return 2; // nothing written yet
        }

        Task writing = Task.Run(() =>
        {
            Thread.Sleep(50);
            channels.Writers[1].Write(new byte[40]);
            channels.Writers[3].Write(new byte[40]);
        });
        HashSet<int> ready = [];
        var clock = Stopwatch.StartNew();
        while (ready.Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            int n = set.Wait(events, TimeSpan.FromSeconds(60));
            ready.UnionWith(events.Take(n).Select(e => e.Index));
        }

        writing.Wait();
        Console.WriteLine("ready: " + string.Join(',', ready.Order()));
        return ready.Order().SequenceEqual([1, 3]) ? RemoteExecutor.SuccessExitCode : 3;
    }

    /// <summary>Child: a thread waits in a set while another disposes a reader, a writer (with its channel) or the set itself.</summary>
    private static int DisposeWhileWaiting(string what)
    {
        var channels = new ChannelGroup(3, capacity: 4096);
        var message = new byte[1000];
        while (channels.Writers[2].TryWrite(message))
        {
        }

        var set = new ChannelWaitSet(s_sleepAtOnce);
        set.Add(channels.Readers[0]);
        set.Add(channels.Readers[1]);
        set.Add(channels.Writers[2], message.Length);
        var events = new ChannelWaitEvent[3];
        using var entered = new ManualResetEventSlim();
        Task<int> waiter = Task.Factory.StartNew(
            () =>
            {
                entered.Set();
                return set.Wait(events, TimeSpan.FromSeconds(60));
            },
            TaskCreationOptions.LongRunning);
        entered.Wait();
        Thread.Sleep(100); // asleep in the kernel by now, most likely; either way the outcome is the same

        switch (what)
        {
            case "reader":
                channels.Readers[1].Dispose();
                channels.Channels[1].Dispose(); // the set keeps its mapping until the reader leaves the set
                break;
            case "writer":
                channels.Writers[2].Dispose();
                channels.Channels[2].Dispose();
                break;
            default:
                set.Dispose();
                break;
        }

        try
        {
            if (!waiter.Wait(TimeSpan.FromSeconds(10)))
            {
                Console.WriteLine("still waiting 10 s after the disposal");
                return 1;
            }
        }
        catch (AggregateException e) when (what == "set" && e.InnerException is ObjectDisposedException)
        {
            channels.Dispose();
            return RemoteExecutor.SuccessExitCode;
        }

        int expected = what == "reader" ? 1 : 2;
        if (what == "set" || waiter.Result != 1 || events[0] != new ChannelWaitEvent(expected, ChannelReadiness.Disposed))
        {
            Console.WriteLine($"{waiter.Result} events, first {events[0]}");
            return 1;
        }

        set.Remove(expected); // lets go of the disposed channel's mapping
        set.Dispose();
        channels.Dispose();
        return RemoteExecutor.SuccessExitCode;
    }

    /// <summary>Single-producer channels in private segments, each with its reader and writer, all removed on dispose.</summary>
    private sealed class ChannelGroup : IDisposable
    {
        public ChannelGroup(int count, long capacity = 1 << 14, bool writers = true)
        {
            for (int i = 0; i < count; i++)
            {
                SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, capacity, new() { RemoveOnDispose = true });
                Channels.Add(channel);
                Readers.Add(channel.OpenReader());
                if (writers)
                {
                    Writers.Add(channel.OpenWriter());
                }
            }
        }

        public List<SharedMemoryChannel> Channels { get; } = [];

        public List<SharedMemoryChannelReader> Readers { get; } = [];

        public List<SharedMemoryChannelWriter> Writers { get; } = [];

        /// <summary>The segment ids, comma-separated, for a child.</summary>
        public string Ids => string.Join(',', Channels.Select(c => c.Id.ToString(CultureInfo.InvariantCulture)));

        public void Dispose()
        {
            foreach (IDisposable d in Writers.Concat<IDisposable>(Readers).Concat(Channels))
            {
                d.Dispose();
            }
        }
    }
}
