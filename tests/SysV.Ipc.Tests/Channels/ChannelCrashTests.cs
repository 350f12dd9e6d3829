using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// Several writer processes at once, and peers killed with SIGKILL at the worst moments: messages stay
/// intact (checksums), per-writer order holds, nothing hangs for good, and the survivors are told what
/// happened. SYSVIPC_STRESS=1 repeats the kills many more times.
/// </summary>
public sealed class ChannelCrashTests : IpcLeakGuard
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(30);

    [Fact]
    public void MultiProducerProcesses_EveryMessageArrivesOnce_InEachWritersOrder()
    {
        int producers = 3;
        int perProducer = TestMessages.Stress ? 50_000 : 3_000;
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 16384, new() { Mode = ChannelMode.MultiProducer, MaxProducers = 4, RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader();
        var children = Enumerable.Range(1, producers)
            .Select(p => RemoteExecutor.Start(StreamMessages, TestMessages.Arg(channel.Id), TestMessages.Arg(p), "0", TestMessages.Arg(perProducer), "1500"))
            .ToList();
        try
        {
            long[] next = new long[producers + 1];
            var buffer = new byte[channel.MaxMessageSize];
            for (int i = 0; i < producers * perProducer; i++)
            {
                int length;
                try
                {
                    length = reader.Read(buffer, s_long);
                }
                catch (TimeoutException e)
                {
                    throw new Xunit.Sdk.XunitException($"stuck after {i} messages; writers said:\n{string.Join("\n", children.Select(c => c.StandardError))}\n{e}");
                }

                (int producer, long sequence) = TestMessages.Check(buffer.AsSpan(0, length));
                Assert.Equal(next[producer], sequence);
                next[producer]++;
            }

            Assert.False(reader.TryRead(out _));
            foreach (RemoteProcess child in children)
            {
                child.AssertExit(RemoteExecutor.SuccessExitCode, s_long);
            }
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void MultiProducer_WriterKilledMidClaim_IsSkipped_OnlyAfterItDied()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 8192, new() { Mode = ChannelMode.MultiProducer, RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader(new ChannelWaitStrategy { SleepSlice = TimeSpan.FromMilliseconds(20) });
        using RemoteProcess stuck = RemoteExecutor.Start(ClaimAndHang, TestMessages.Arg(channel.Id), "1000");
        stuck.WaitForOutput("CLAIMED", s_long);
        Assert.Equal((8, 0L), TestMessages.Check(reader.Read(s_long, CancellationToken.None))); // committed before the claim

        using (SharedMemoryChannelWriter writer = channel.OpenWriter())
        {
            for (int i = 0; i < 5; i++)
            {
                Assert.True(writer.TryWrite(TestMessages.Make(9, i, 100)));
            }
        }

        // The live writer's claim holds everything behind it: the reader waits, and never skips it.
        Assert.Throws<TimeoutException>(() => reader.Read(TimeSpan.FromMilliseconds(300), CancellationToken.None));

        stuck.Kill();
        var buffer = new byte[channel.MaxMessageSize];
        for (int i = 0; i < 5; i++)
        {
            int length = reader.Read(buffer, TimeSpan.FromSeconds(10));
            Assert.Equal((9, (long)i), TestMessages.Check(buffer.AsSpan(0, length)));
        }

        // The dead writer's slot is reusable now that its claim was skipped.
        using SharedMemoryChannelWriter again = channel.OpenWriter();
        Assert.True(again.TryWrite(TestMessages.Make(9, 5, 50)));
        Assert.Equal((9, 5L), TestMessages.Check(reader.Read(TimeSpan.FromSeconds(5), CancellationToken.None)));
    }

    [Fact]
    public void SingleProducer_WriterKilledMidMessage_IsReported_AndANewWriterTakesOverCleanly()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 8192, new() { RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader(new ChannelWaitStrategy { SleepSlice = TimeSpan.FromMilliseconds(20) });
        using RemoteProcess stuck = RemoteExecutor.Start(ClaimAndHang, TestMessages.Arg(channel.Id), "3000");
        stuck.WaitForOutput("CLAIMED", s_long);
        Assert.Equal((3, 0L), TestMessages.Check(reader.Read(s_long, CancellationToken.None))); // committed before the claim
        Assert.Throws<TimeoutException>(() => reader.Read(TimeSpan.FromMilliseconds(200), CancellationToken.None));

        int pid = stuck.Id;
        stuck.Kill();
        var died = Assert.Throws<ChannelPeerDiedException>(() => reader.Read(TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.Equal((ChannelRole.Producer, pid), (died.Role, died.ProcessId));
        Assert.Contains("new writer", died.Message, StringComparison.Ordinal);

        // The dead writer left 3000 bytes of 0x41 after the tail; the new one must not let them pass for records.
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        for (int i = 0; i < 200; i++)
        {
            writer.Write(TestMessages.Make(4, i, 24 + (i * 13 % 200)), TimeSpan.FromSeconds(10));
            Assert.Equal((4, (long)i), TestMessages.Check(reader.Read(TimeSpan.FromSeconds(10), CancellationToken.None)));
        }
    }

    [Theory]
    [InlineData(ChannelMode.SingleProducer)]
    [InlineData(ChannelMode.MultiProducer)]
    public void WritersKilledAtRandomMoments_Repeatedly_NoCorruptionNoHang(ChannelMode mode)
    {
        int rounds = TestMessages.Stress ? 40 : 3;
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 16384, new() { Mode = mode, RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader(new ChannelWaitStrategy { SleepSlice = TimeSpan.FromMilliseconds(20) });
        var random = new Random();
        var buffer = new byte[channel.MaxMessageSize];
        long received = 0;
        for (int round = 1; round <= rounds; round++)
        {
            using RemoteProcess child = RemoteExecutor.Start(StreamMessages, TestMessages.Arg(channel.Id), TestMessages.Arg(round), "0", TestMessages.Arg(long.MaxValue), "5000");
            child.WaitForOutput("WRITING", s_long);
            // Kill at a random moment after the first message arrived (an event, not a wall-clock guess: on a
            // starved CPU the writer may not commit anything for a long while).
            long next = 0;
            var first = System.Diagnostics.Stopwatch.StartNew();
            while (next == 0)
            {
                Assert.True(first.Elapsed < s_long, $"round {round}: the writer committed nothing within {s_long}");
                if (reader.TryRead(buffer, out int length))
                {
                    Assert.Equal((round, 0L), TestMessages.Check(buffer.AsSpan(0, length)));
                    next++;
                }
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            TimeSpan killAt = TimeSpan.FromMilliseconds(random.Next(0, 250));
            while (clock.Elapsed < killAt)
            {
                if (reader.TryRead(buffer, out int length))
                {
                    Assert.Equal((round, next), TestMessages.Check(buffer.AsSpan(0, length)));
                    next++;
                }
            }

            child.Kill();
            // Drain what the dead writer committed; then the reader must report (single) or keep waiting (multi), never hang.
            while (true)
            {
                try
                {
                    int length = reader.Read(buffer, TimeSpan.FromMilliseconds(500), CancellationToken.None);
                    Assert.Equal((round, next), TestMessages.Check(buffer.AsSpan(0, length)));
                    next++;
                }
                catch (ChannelPeerDiedException died) when (died.Role == ChannelRole.Producer)
                {
                    break;
                }
                catch (TimeoutException)
                {
                    break;
                }
            }

            received += next;
        }

        // After all that, a fresh writer still gets through at once.
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        writer.Write(TestMessages.Make(99, 0, 64), TimeSpan.FromSeconds(10));
        Assert.Equal((99, 0L), TestMessages.Check(reader.Read(TimeSpan.FromSeconds(10), CancellationToken.None)));
        Assert.True(received >= rounds); // at least the first message of each round, which the kill waited for
    }

    [Fact]
    public void ReaderKilled_WriterIsToldInsteadOfHanging_AndANewReaderResumes()
    {
        int rounds = TestMessages.Stress ? 20 : 2;
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { RemoveOnDispose = true });
        using SharedMemoryChannelWriter writer = channel.OpenWriter(new ChannelWaitStrategy { SleepSlice = TimeSpan.FromMilliseconds(20) });
        long sequence = 0;
        for (int round = 0; round < rounds; round++)
        {
            using RemoteProcess child = RemoteExecutor.Start(ReadForever, TestMessages.Arg(channel.Id));
            child.WaitForOutput("READING", s_long);
            for (int i = 0; i < 300; i++)
            {
                writer.Write(TestMessages.Make(1, sequence++, 24 + (i % 300)), s_long);
            }

            int pid = child.Id;
            child.Kill();
            var died = Assert.Throws<ChannelPeerDiedException>(WriteUntilFull);
            Assert.Equal((ChannelRole.Consumer, pid), (died.Role, died.ProcessId));
            Assert.Contains("new reader", died.Message, StringComparison.Ordinal);
        }

        void WriteUntilFull()
        {
            while (true)
            {
                writer.Write(TestMessages.Make(1, sequence, 200), TimeSpan.FromSeconds(10));
                sequence++;
            }
        }

        // A new reader resumes after the dead one's last returned batch: contiguous, intact, up to the last message written.
        using SharedMemoryChannelReader reader = channel.OpenReader();
        var buffer = new byte[channel.MaxMessageSize];
        Assert.True(reader.TryRead(buffer, out int first));
        long expected = TestMessages.Check(buffer.AsSpan(0, first)).Sequence + 1;
        Assert.True(expected > 1, "the new reader started from the very beginning instead of resuming");
        while (reader.TryRead(buffer, out int length))
        {
            Assert.Equal((1, expected), TestMessages.Check(buffer.AsSpan(0, length)));
            expected++;
        }

        Assert.Equal(sequence, expected);
    }

    /// <summary>Child: writes messages numbered from <paramref name="start"/> until <paramref name="count"/> (or killed).</summary>
    public static int StreamMessages(string segmentId, string producer, string start, string count, string maxSize)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(TestMessages.Int(segmentId));
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        int id = TestMessages.Int(producer);
        int max = Math.Min(TestMessages.Int(maxSize), channel.MaxMessageSize);
        var random = new Random(id);
        Console.WriteLine("WRITING");
        for (long i = TestMessages.Long(start), n = TestMessages.Long(count); i < n; i++)
        {
            int length = random.Next(TestMessages.MinLength, max + 1);
            if ((i & 1) == 0)
            {
                writer.Write(TestMessages.Make(id, i, length), s_long);
            }
            else
            {
                Span<byte> claimed;
                while (!writer.TryClaim(length, out claimed))
                {
                    writer.WaitToWrite(length, s_long);
                }

                TestMessages.Fill(claimed, id, i);
                writer.Commit();
            }
        }

        return RemoteExecutor.SuccessExitCode;
    }

    /// <summary>Child: commits one message, then claims room, fills it with 0x41 (which looks like record lengths) and hangs until killed.</summary>
    public static int ClaimAndHang(string segmentId, string claimLength)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(TestMessages.Int(segmentId));
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        int id = channel.Mode == ChannelMode.SingleProducer ? 3 : 8;
        writer.Write(TestMessages.Make(id, 0, 64));
        if (!writer.TryClaim(TestMessages.Int(claimLength), out Span<byte> claimed))
        {
            return 1;
        }

        claimed[..(claimed.Length / 2)].Fill(0x41);
        Console.WriteLine("CLAIMED");
        Thread.Sleep(Timeout.Infinite);
        return 1;
    }

    /// <summary>Child: reads and checks messages until killed.</summary>
    public static int ReadForever(string segmentId)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(TestMessages.Int(segmentId));
        using SharedMemoryChannelReader reader = channel.OpenReader();
        Console.WriteLine("READING");
        var buffer = new byte[channel.MaxMessageSize];
        while (true)
        {
            int length = reader.Read(buffer);
            TestMessages.Check(buffer.AsSpan(0, length));
        }
    }
}
