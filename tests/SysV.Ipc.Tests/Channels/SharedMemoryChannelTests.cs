using System.Threading.Channels;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>The channel's contract within one process: every form of read and write, limits, waits, and errors.</summary>
public sealed class SharedMemoryChannelTests : IpcLeakGuard
{
    private static SharedMemoryChannel NewChannel(long capacity = 4096, ChannelMode mode = ChannelMode.SingleProducer, int maxMessage = 0) =>
        SharedMemoryChannel.Create(TestKeys.Unique(), capacity, new SharedMemoryChannelOptions { Mode = mode, MaxMessageSize = maxMessage, RemoveOnDispose = true });

    [Theory]
    [InlineData(ChannelMode.SingleProducer)]
    [InlineData(ChannelMode.MultiProducer)]
    public void MessagesOfEverySize_ArriveInOrder_AcrossManyWraps(ChannelMode mode)
    {
        using SharedMemoryChannel channel = NewChannel(4096, mode);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader reader = channel.OpenReader();
        var buffer = new byte[channel.MaxMessageSize];
        int[] sizes = [0, 1, 7, 8, 9, 24, 100, 1000, 2039, channel.MaxMessageSize];
        for (int round = 0; round < 200; round++)
        {
            int size = sizes[round % sizes.Length];
            byte[] message = [.. Enumerable.Range(0, size).Select(i => (byte)(i + round))];
            Assert.True(writer.TryWrite(message), $"round {round}: an empty ring must take a {size}-byte message");
            Assert.True(reader.TryRead(buffer, out int length));
            Assert.Equal(message, buffer[..length]);
            Assert.False(reader.TryRead(buffer, out _));
        }
    }

    [Fact]
    public void MaxMessageSize_IsHalfTheRing_AndLongerMessagesAreRejectedBeforeWriting()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        Assert.Equal(2048 - 8, channel.MaxMessageSize);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => writer.TryWrite(new byte[channel.MaxMessageSize + 1]));
        Assert.Contains("MaxMessageSize", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.TryClaim(-1, out _));
    }

    [Fact]
    public void Create_RejectsBadArguments_BeforeAnySystemCall()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemoryChannel.Create(TestKeys.Unique(), 3000));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemoryChannel.Create(TestKeys.Unique(), 512));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemoryChannel.Create(TestKeys.Unique(), 4096, new() { MaxMessageSize = 4096 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemoryChannel.Create(TestKeys.Unique(), 4096, new() { Mode = ChannelMode.MultiProducer, MaxProducers = 0 }));
    }

    [Fact]
    public void FullRing_RefusesTryWrite_UntilTheReaderFreesRoom()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader reader = channel.OpenReader();
        int written = 0;
        while (writer.TryWrite(new byte[100]))
        {
            written++;
        }

        Assert.Equal(4096 / 112, written); // 8-byte header + 100 bytes, rounded up to 112
        Assert.True(reader.TryRead(out _));
        Assert.False(writer.TryWrite(new byte[100])); // read but not yet handed back (batched)
        for (int i = 1; i < written; i++)
        {
            Assert.True(reader.TryRead(out _));
        }

        Assert.False(reader.TryRead(out _)); // finding the ring empty hands the space back
        Assert.True(writer.TryWrite(new byte[channel.MaxMessageSize]));
    }

    [Fact]
    public void ZeroCopy_ClaimCommit_PeekAdvance_AndAbort()
    {
        using SharedMemoryChannel channel = NewChannel(4096, ChannelMode.MultiProducer);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader reader = channel.OpenReader();

        Assert.True(writer.TryClaim(5, out Span<byte> claimed));
        "hello"u8.CopyTo(claimed);
        Assert.False(reader.TryPeek(out _)); // not visible before the commit
        Assert.Throws<InvalidOperationException>(() => writer.TryWrite([1]));
        writer.Commit();

        Assert.True(writer.TryClaim(3, out claimed));
        claimed.Fill(0xEE);
        writer.Abort();
        Assert.True(writer.TryWrite("world"u8));

        Assert.True(reader.TryPeek(out ReadOnlySpan<byte> peeked));
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(peeked));
        Assert.True(reader.TryPeek(out peeked)); // peeking again sees the same message
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(peeked));
        reader.Advance();
        Assert.Throws<InvalidOperationException>(reader.Advance);
        Assert.True(reader.TryRead(out byte[]? second));
        Assert.Equal("world"u8.ToArray(), second); // the aborted claim was skipped
        Assert.Throws<InvalidOperationException>(writer.Commit);
    }

    [Fact]
    public void SingleProducerAbort_LeavesNoStrayBytes()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader reader = channel.OpenReader();
        Assert.True(writer.TryClaim(1000, out Span<byte> claimed));
        claimed.Fill(0x41); // would look like record lengths if left behind
        writer.Abort();
        Assert.True(writer.TryWrite([1, 2, 3]));
        Assert.True(writer.TryWrite([4]));
        Assert.True(reader.TryRead(out byte[]? a));
        Assert.True(reader.TryRead(out byte[]? b));
        Assert.False(reader.TryRead(out _));
        Assert.Equal([1, 2, 3], a);
        Assert.Equal([4], b);
    }

    [Fact]
    public void Read_TimesOut_WithAClearMessage_AndHonoursCancellationWhileAsleep()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelReader reader = channel.OpenReader(ChannelWaitStrategy.Blocking);
        var timeout = Assert.Throws<TimeoutException>(() => reader.Read(TimeSpan.FromMilliseconds(50), CancellationToken.None));
        Assert.Contains(channel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), timeout.Message, StringComparison.Ordinal);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => reader.Read(new byte[16], TimeSpan.FromSeconds(30), cancel.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"cancellation took {clock.Elapsed}");
    }

    [Fact]
    public async Task BlockedWriterAndReader_WakeEachOther()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.OpenWriter(ChannelWaitStrategy.Blocking);
        using SharedMemoryChannelReader reader = channel.OpenReader(ChannelWaitStrategy.Blocking);
        const int Count = 2000;
        var producer = Task.Run(() =>
        {
            for (int i = 0; i < Count; i++)
            {
                writer.Write(TestMessages.Make(1, i, 24 + (i % 900)), TimeSpan.FromSeconds(20));
            }

            writer.Complete();
        });

        var buffer = new byte[channel.MaxMessageSize];
        long expected = 0;
        while (reader.WaitToRead(TimeSpan.FromSeconds(20)))
        {
            while (reader.TryRead(buffer, out int length))
            {
                Assert.Equal((1, expected), TestMessages.Check(buffer.AsSpan(0, length)));
                expected++;
            }
        }

        await producer;
        Assert.Equal(Count, expected);
        Assert.Throws<ChannelClosedException>(() => reader.Read());
        Assert.Throws<ChannelClosedException>(() => writer.TryWrite([1]));
    }

    [Fact]
    public async Task AsyncForms_AndSystemThreadingChannelsAdapters()
    {
        using SharedMemoryChannel channel = NewChannel(4096, ChannelMode.MultiProducer);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader reader = channel.OpenReader();
        ChannelWriter<ReadOnlyMemory<byte>> channelWriter = writer.AsChannelWriter();
        ChannelReader<byte[]> channelReader = reader.AsChannelReader();

        Task consumer = Task.Run(async () =>
        {
            long expected = 0;
            await foreach (byte[] message in channelReader.ReadAllAsync())
            {
                Assert.Equal((7, expected), TestMessages.Check(message));
                expected++;
            }

            Assert.Equal(500, expected);
        });

        for (int i = 0; i < 500; i++)
        {
            await channelWriter.WriteAsync(TestMessages.Make(7, i, 24 + (i * 37 % 1500)));
        }

        Assert.True(channelWriter.TryComplete());
        await consumer.WaitAsync(TimeSpan.FromSeconds(30));
        await channelReader.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<ChannelClosedException>(async () => await reader.ReadAsync());
    }

    [Fact]
    public async Task ReadAsync_WaitsForAWriteFromAnotherThread()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelReader reader = channel.OpenReader(ChannelWaitStrategy.Blocking);
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        ValueTask<byte[]> pending = reader.ReadAsync();
        // The read must really be pending (asleep on the futex, as the segment's participant table says) before the write, not merely started.
        var asleep = System.Diagnostics.Stopwatch.StartNew();
        while (!channel.GetStatus().Participants.Any(p => p.Role == ChannelRole.Consumer && p.IsSleeping))
        {
            Assert.True(asleep.Elapsed < TimeSpan.FromSeconds(30), "the reader never went to sleep waiting for a message");
            await Task.Delay(1);
        }

        Assert.False(pending.IsCompleted, "ReadAsync completed with nothing written");
        await writer.WriteAsync(new byte[] { 9, 8, 7 });
        Assert.Equal([9, 8, 7], await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task OpenWithTimeout_WaitsForAChannelCreatedLater_AndTimesOutWhenNoneComes()
    {
        IpcKey key = TestKeys.Unique();
        Assert.False(SharedMemoryChannel.TryOpen(key, out _));
        Assert.Throws<TimeoutException>(() => SharedMemoryChannel.Open(key, TimeSpan.FromMilliseconds(30)));
        Task<SharedMemoryChannel> opening = Task.Run(() => SharedMemoryChannel.Open(key, TimeSpan.FromSeconds(30)));
        await Task.Delay(100);
        Assert.False(opening.IsCompleted, "Open(key, timeout) returned before the channel existed");
        using SharedMemoryChannel created = SharedMemoryChannel.Create(key, 4096, new() { RemoveOnDispose = true });
        using SharedMemoryChannel opened = await opening.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(created.Id, opened.Id);
        Assert.True(SharedMemoryChannel.TryOpen(key, out SharedMemoryChannel? again));
        again.Dispose();
    }

    [Fact]
    public void OneReader_OneSingleProducerWriter_AndClearErrorsForMore()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelReader reader = channel.OpenReader();
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        var secondReader = Assert.Throws<InvalidOperationException>(() => channel.OpenReader());
        Assert.Contains("already has a reader", secondReader.Message, StringComparison.Ordinal);
        var secondWriter = Assert.Throws<InvalidOperationException>(() => channel.OpenWriter());
        Assert.Contains("MultiProducer", secondWriter.Message, StringComparison.Ordinal);

        IReadOnlyList<ChannelParticipant> participants = channel.GetParticipants();
        Assert.Equal(2, participants.Count);
        Assert.All(participants, p => Assert.True(p.IsAlive && p.ProcessId == Environment.ProcessId));
        Assert.Contains(participants, p => p.Role == ChannelRole.Consumer && p.Slot == 0);
    }

    [Fact]
    public void MultiProducer_SlotsAreLimited_AndFreedOnDispose()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(TestKeys.Unique(), 4096, new() { Mode = ChannelMode.MultiProducer, MaxProducers = 2, RemoveOnDispose = true });
        SharedMemoryChannelWriter a = channel.OpenWriter();
        using SharedMemoryChannelWriter b = channel.OpenWriter();
        Assert.Throws<InvalidOperationException>(() => channel.OpenWriter());
        a.Dispose();
        using SharedMemoryChannelWriter c = channel.OpenWriter();
        Assert.Throws<ObjectDisposedException>(() => a.TryWrite([1]));
    }

    [Fact]
    public void Open_FindsTheSameChannel_AndRejectsASegmentThatIsNotOne()
    {
        IpcKey key = TestKeys.Unique();
        using SharedMemoryChannel created = SharedMemoryChannel.Create(key, 8192, new() { Mode = ChannelMode.MultiProducer, MaxProducers = 5, RemoveOnDispose = true });
        using (SharedMemoryChannel opened = SharedMemoryChannel.Open(key))
        {
            Assert.Equal((8192L, ChannelMode.MultiProducer, 5, created.MaxMessageSize, Environment.ProcessId), (opened.Capacity, opened.Mode, opened.MaxProducers, opened.MaxMessageSize, opened.CreatorProcessId));
            using SharedMemoryChannelWriter writer = opened.OpenWriter();
            Assert.True(writer.TryWrite([42]));
        }

        using (SharedMemoryChannelReader reader = created.OpenReader())
        {
            Assert.True(reader.TryRead(out byte[]? message));
            Assert.Equal([42], message);
        }

        using var plain = SharedMemorySegment.Create(TestKeys.Unique(), 65536, options: new() { RemoveOnDispose = true });
        using (SharedMemoryAttachment attachment = plain.Attach())
        {
            attachment.Write(0, 0x1234L);
        }

        var error = Assert.Throws<ChannelCorruptedException>(() => SharedMemoryChannel.OpenById(plain.Id));
        Assert.Contains("not a SharedMemoryChannel", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DisposedChannel_KeepsOpenEndpointsWorking_ThenDetaches()
    {
        SharedMemoryChannel channel = NewChannel();
        SharedMemoryChannelWriter writer = channel.OpenWriter();
        channel.Dispose(); // removes the segment (RemoveOnDispose), but the writer still holds the attachment
        Assert.True(writer.TryWrite([1]));
        Assert.Throws<ObjectDisposedException>(() => channel.OpenReader());
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => writer.TryWrite([1]));
    }
}
