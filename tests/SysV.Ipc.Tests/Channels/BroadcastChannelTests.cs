using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// The broadcast channel's contract: every reader gets every message committed while it is a member, in
/// order; the writer waits for the slowest live reader (Block) or drops it (DropAfter); dead readers never
/// hold it back; joining at Latest or Oldest; the participant table and status.
/// </summary>
public sealed class BroadcastChannelTests : IpcLeakGuard
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(30);

    private static SharedMemoryChannel NewChannel(long capacity = 4096, int maxReaders = 16, SlowReaderPolicy? policy = null, IpcKey? key = null) =>
        SharedMemoryChannel.Create(key ?? TestKeys.Unique(), capacity, new SharedMemoryChannelOptions
        {
            Mode = ChannelMode.Broadcast,
            MaxReaders = maxReaders,
            SlowReaderPolicy = policy ?? SlowReaderPolicy.Block,
            RemoveOnDispose = true,
        });

    [Fact]
    public void EveryReader_GetsEveryMessage_InOrder_AcrossManyWraps()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        Assert.Equal(ChannelMode.Broadcast, channel.Mode);
        Assert.Equal(16, channel.MaxReaders);
        Assert.Equal(2048 - 16, channel.MaxMessageSize);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        SharedMemoryChannelReader[] readers = [channel.OpenReader(), channel.OpenReader(), channel.OpenReader()];
        try
        {
            var buffer = new byte[channel.MaxMessageSize];
            int[] sizes = [0, 1, 15, 16, 17, 100, 1000, 2000, channel.MaxMessageSize];
            for (int round = 0; round < 300; round++)
            {
                int size = sizes[round % sizes.Length];
                byte[] message = [.. Enumerable.Range(0, size).Select(i => (byte)(i + round))];
                Assert.True(writer.TryWrite(message), $"round {round}: a ring every reader has emptied must take a {size}-byte message");
                foreach (SharedMemoryChannelReader reader in readers)
                {
                    Assert.True(reader.TryRead(buffer, out int length));
                    Assert.Equal(message, buffer[..length]);
                    Assert.False(reader.TryRead(buffer, out _));
                }
            }
        }
        finally
        {
            Array.ForEach(readers, r => r.Dispose());
        }
    }

    [Fact]
    public void Block_TheWriterWaitsForTheSlowestReader_AndNothingIsLost()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader fast = channel.OpenReader();
        using SharedMemoryChannelReader slow = channel.OpenReader();
        int written = 0;
        while (writer.TryWrite(TestMessages.Make(1, written, 100)))
        {
            written++;
            Assert.True(fast.TryRead(out _));
        }

        Assert.Equal((4096 - 16) / 128, written); // 16-byte header + 100 bytes, rounded up to 128; the header after the last record stays free
        Assert.False(writer.TryWrite(new byte[100])); // the slow reader has read nothing
        for (int i = 0; i < written; i++)
        {
            byte[] message = slow.Read(s_long, CancellationToken.None);
            Assert.Equal((1, (long)i), TestMessages.Check(message));
        }

        Assert.False(slow.TryRead(out _)); // finding the ring empty publishes its cursor
        Assert.True(writer.TryWrite(new byte[channel.MaxMessageSize]));
    }

    [Fact]
    public void NoReader_NeverHoldsTheWriterBack()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(writer.TryWrite(new byte[200]), $"message {i}: a broadcast channel without readers keeps nothing back");
        }
    }

    [Fact]
    public void Latest_SeesOnlyWhatCameAfterIt_Oldest_WhatTheRingStillHoldsForItsReaders()
    {
        using SharedMemoryChannel channel = NewChannel(8192);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader first = channel.OpenReader();
        for (int i = 0; i < 10; i++)
        {
            writer.Write(TestMessages.Make(1, i, 40));
        }

        using SharedMemoryChannelReader latest = channel.OpenReader(ReaderStart.Latest);
        Assert.False(latest.TryRead(out _));
        for (int i = 0; i < 3; i++)
        {
            Assert.True(first.TryRead(out _));
        }

        using SharedMemoryChannelReader oldest = channel.OpenReader(ReaderStart.Oldest);
        writer.Write(TestMessages.Make(1, 10, 40));
        for (long i = 0; i <= 10; i++)
        {
            Assert.Equal((1, i), TestMessages.Check(oldest.Read(s_long, CancellationToken.None)));
        }

        Assert.Equal((1, 10L), TestMessages.Check(latest.Read(s_long, CancellationToken.None)));
        Assert.False(latest.TryRead(out _));
    }

    [Fact]
    public void Position_NamesTheSameMessageForEveryReader_AndMovesWithEachReader()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader a = channel.OpenReader();
        using SharedMemoryChannelReader b = channel.OpenReader();
        var positions = new List<long>();
        for (int i = 0; i < 100; i++)
        {
            writer.Write(TestMessages.Make(1, i, 40));
            Assert.True(a.TryPeek(out _));
            positions.Add(a.Position);
            a.Advance();
            Assert.True(b.TryPeek(out _));
            Assert.Equal(positions[i], b.Position);
            b.Advance();
        }

        Assert.Equal(positions.Distinct().Count(), positions.Count); // across wraps too (4096 bytes, 100 x 64)
        Assert.True(positions.SequenceEqual(positions.Order()), "positions go up");
        Assert.Equal(a.Position, b.Position);
        Assert.True(a.Position > positions[^1]);
    }

    [Fact]
    public void ReaderStart_IsRefusedByASingleReaderChannel()
    {
        using SharedMemoryChannel single = SharedMemoryChannel.Create(TestKeys.Unique(), 4096, new() { RemoveOnDispose = true });
        var error = Assert.Throws<InvalidOperationException>(() => single.OpenReader(ReaderStart.Oldest));
        Assert.Contains("broadcast", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxReaders_AreAllThePlaces_AndADisposedReaderGivesItsBack()
    {
        using SharedMemoryChannel channel = NewChannel(4096, maxReaders: 2);
        using SharedMemoryChannelReader a = channel.OpenReader();
        SharedMemoryChannelReader b = channel.OpenReader();
        var error = Assert.Throws<InvalidOperationException>(() => channel.OpenReader());
        Assert.Contains("All 2 reader places", error.Message, StringComparison.Ordinal);
        b.Dispose();
        channel.OpenReader().Dispose();
    }

    [Fact]
    public void DropAfter_AStalledReaderLosesItsPlace_TheWriterGoesOn_AndTheReaderIsTold()
    {
        using SharedMemoryChannel channel = NewChannel(4096, policy: SlowReaderPolicy.DropAfter(TimeSpan.FromMilliseconds(50)));
        Assert.Equal(TimeSpan.FromMilliseconds(50), channel.SlowReaderPolicy.DropAfterTime);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader stalled = channel.OpenReader();
        using SharedMemoryChannelReader keeping = channel.OpenReader();
        var received = new List<long>();
        for (int i = 0; i < 100; i++)
        {
            writer.Write(TestMessages.Make(1, i, 100), s_long); // waits 50 ms once, when the stalled reader fills the ring
            received.Add(TestMessages.Check(keeping.Read(s_long, CancellationToken.None)).Sequence);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), received);
        Assert.Contains(channel.GetParticipants(), p => p.IsDropped);
        var dropped = Assert.Throws<ChannelReaderDroppedException>(() => stalled.TryRead(out _));
        Assert.Contains("lost its place", dropped.Message, StringComparison.Ordinal);
        Assert.Equal(0, dropped.Position);
        Assert.True(dropped.BytesBehind >= 4096 - 128, $"it was {dropped.BytesBehind} bytes behind");
        Assert.DoesNotContain(channel.GetParticipants(), p => p.IsDropped);

        // It reads on from the newest message, and the writer waits for it again.
        Assert.False(stalled.TryRead(out _));
        writer.Write(TestMessages.Make(1, 100, 100), s_long);
        Assert.Equal((1, 100L), TestMessages.Check(stalled.Read(s_long, CancellationToken.None)));
    }

    [Fact]
    public void DropAfter_ASpanHeldWhileTheWriterOverwritesIt_IsDetectedAtAdvance()
    {
        using SharedMemoryChannel channel = NewChannel(4096, policy: SlowReaderPolicy.DropAfter(TimeSpan.FromMilliseconds(20)));
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader reader = channel.OpenReader();
        writer.Write(TestMessages.Make(1, 0, 100));
        Assert.True(reader.TryPeek(out ReadOnlySpan<byte> held));
        for (int i = 1; i < 100; i++)
        {
            writer.Write(TestMessages.Make(1, i, 100), s_long);
        }

        Assert.Throws<ChannelReaderDroppedException>(() => reader.Advance());
    }

    [Fact]
    public void ReadersInOtherProcesses_EachGetEveryMessage_InOrder()
    {
        const int readers = 3;
        int messages = TestMessages.Stress ? 200_000 : 5_000;
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 16384, new() { Mode = ChannelMode.Broadcast, MaxReaders = 4, RemoveOnDispose = true });
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        var children = Enumerable.Range(0, readers).Select(_ => RemoteExecutor.Start(ReadAll, TestMessages.Arg(channel.Id), TestMessages.Arg(messages))).ToList();
        try
        {
            foreach (RemoteProcess child in children)
            {
                child.WaitForOutput("JOINED", s_long);
            }

            var random = new Random(5);
            for (int i = 0; i < messages; i++)
            {
                writer.Write(TestMessages.Make(1, i, random.Next(TestMessages.MinLength, 3000)), s_long);
            }

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

    public static int ReadAll(string segmentId, string count)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(TestMessages.Int(segmentId));
        using SharedMemoryChannelReader reader = channel.OpenReader();
        Console.WriteLine("JOINED");
        var buffer = new byte[channel.MaxMessageSize];
        for (long i = 0, n = TestMessages.Long(count); i < n; i++)
        {
            int length = reader.Read(buffer, s_long);
            (int producer, long sequence) = TestMessages.Check(buffer.AsSpan(0, length));
            if (producer != 1 || sequence != i)
            {
                Console.Error.WriteLine($"expected message {i}, got {producer}/{sequence}");
                return 1;
            }
        }

        return reader.TryRead(out _) ? 2 : RemoteExecutor.SuccessExitCode;
    }

    [Fact]
    public void AKilledReader_NeverHoldsTheWriterBack()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { Mode = ChannelMode.Broadcast, RemoveOnDispose = true });
        using SharedMemoryChannelWriter writer = channel.OpenWriter(new ChannelWaitStrategy { SleepSlice = TimeSpan.FromMilliseconds(20) });
        using SharedMemoryChannelReader alive = channel.OpenReader();
        using (RemoteProcess child = RemoteExecutor.Start(JoinAndHang, TestMessages.Arg(channel.Id)))
        {
            child.WaitForOutput("JOINED", s_long);
            Assert.Equal(2, channel.GetParticipants().Count(p => p.Role == ChannelRole.Consumer));
            child.Kill();
        }

        for (int i = 0; i < 200; i++)
        {
            writer.Write(TestMessages.Make(1, i, 100), s_long);
            Assert.Equal((1, (long)i), TestMessages.Check(alive.Read(s_long, CancellationToken.None)));
        }

        Assert.Single(channel.GetParticipants(), p => p.Role == ChannelRole.Consumer);
    }

    public static int JoinAndHang(string segmentId)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(TestMessages.Int(segmentId));
        using SharedMemoryChannelReader reader = channel.OpenReader();
        Console.WriteLine("JOINED");
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    [Fact]
    public async Task SleepingReaders_AreAllWoken_ByOneWrite()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        SharedMemoryChannelReader[] readers = [.. Enumerable.Range(0, 3).Select(_ => channel.OpenReader(ChannelWaitStrategy.Blocking))];
        try
        {
            Task<byte[]>[] reads = [.. readers.Select(r => Task.Run(() => r.Read(s_long, CancellationToken.None)))];
            await Task.Delay(100); // (they may or may not be asleep by now; either way each must get the message)
            writer.Write(TestMessages.Make(1, 7, 50));
            foreach (Task<byte[]> read in reads)
            {
                Assert.Equal((1, 7L), TestMessages.Check(await read.WaitAsync(s_long)));
            }
        }
        finally
        {
            Array.ForEach(readers, r => r.Dispose());
        }
    }

    [Fact]
    public void Participants_AndStatus_ListTheWriterAndEveryReaderWithItsPosition()
    {
        using SharedMemoryChannel channel = NewChannel(8192);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader a = channel.OpenReader();
        using SharedMemoryChannelReader b = channel.OpenReader();
        for (int i = 0; i < 4; i++)
        {
            writer.Write(new byte[48]); // 64 bytes each
        }

        while (a.TryRead(out _))
        {
        }

        IReadOnlyList<ChannelParticipant> participants = channel.GetParticipants();
        Assert.Equal([1, 2, 3], participants.Select(p => p.Slot));
        Assert.Equal(ChannelRole.Producer, participants[0].Role);
        Assert.Equal(256, participants[0].Position);
        Assert.Equal(256, participants[1].Position); // a read all and found the ring empty: published
        Assert.Equal(0, participants[2].Position);
        Assert.All(participants, p => Assert.Equal(Environment.ProcessId, p.ProcessId));

        SharedMemoryChannelStatus status = channel.GetStatus();
        Assert.Equal(ChannelMode.Broadcast, status.Mode);
        Assert.Equal(256, status.WritePosition);
        Assert.Equal(0, status.ReadPosition);
        Assert.Equal(4, status.MessagesWaiting);
        Assert.Equal(3, status.Participants.Count);
    }

    [Fact]
    public void Create_RejectsBadBroadcastOptions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemoryChannel.Create(TestKeys.Unique(), 4096, new() { Mode = ChannelMode.Broadcast, MaxReaders = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemoryChannel.Create(TestKeys.Unique(), 4096, new() { Mode = ChannelMode.Broadcast, MaxReaders = 1025 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlowReaderPolicy.DropAfter(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemoryChannel.Create(TestKeys.Unique(), 4096, new() { Mode = ChannelMode.Broadcast, MaxMessageSize = 2048 - 15 }));
    }

    [Fact]
    public void ReopenedByKey_TheHeaderGivesTheBroadcastConfiguration()
    {
        IpcKey key = TestKeys.Unique();
        using SharedMemoryChannel created = NewChannel(1 << 16, maxReaders: 5, policy: SlowReaderPolicy.DropAfter(TimeSpan.FromSeconds(2)), key: key);
        using SharedMemoryChannel opened = SharedMemoryChannel.Open(key);
        Assert.Equal(ChannelMode.Broadcast, opened.Mode);
        Assert.Equal(5, opened.MaxReaders);
        Assert.Equal(TimeSpan.FromSeconds(2), opened.SlowReaderPolicy.DropAfterTime);
        Assert.Equal(1, opened.MaxProducers);
    }
}
