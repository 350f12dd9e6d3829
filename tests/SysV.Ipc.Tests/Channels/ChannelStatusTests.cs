using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>The public snapshots the tool prints: a channel's status and a SharedStruct area's header, read from a read-only attachment too.</summary>
public sealed class ChannelStatusTests : IpcLeakGuard
{
#pragma warning disable CS0649 // only its layout matters here
    private struct Counters
    {
        public long Hits;
        public int Misses;
    }
#pragma warning restore CS0649

    [Theory]
    [InlineData(ChannelMode.SingleProducer)]
    [InlineData(ChannelMode.MultiProducer)]
    public void Status_CountsWaitingMessagesAndBytes_AndNamesTheParticipants(ChannelMode mode)
    {
        using var channel = SharedMemoryChannel.Create(TestKeys.Unique(), 4096, new SharedMemoryChannelOptions { Mode = mode, RemoveOnDispose = true });
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader reader = channel.OpenReader();
        byte[] buffer = new byte[channel.MaxMessageSize];

        // Wrap once, so a padding record sits between the waiting messages.
        for (int i = 0; i < 3; i++)
        {
            Assert.True(writer.TryWrite(new byte[1000]));
            Assert.True(reader.TryRead(buffer, out _));
        }

        Assert.False(reader.TryRead(buffer, out _)); // finding the ring empty publishes the reader's position

        Assert.True(writer.TryWrite(new byte[1500]));
        Assert.True(writer.TryWrite(new byte[5]));
        Assert.True(writer.TryWrite(new byte[0]));

        SharedMemoryChannelStatus status = channel.GetStatus();
        Assert.Equal(mode, status.Mode);
        Assert.Equal(4096, status.Capacity);
        Assert.Equal(3, status.MessagesWaiting);
        Assert.Equal(status.WritePosition - status.ReadPosition, status.BytesWaiting);
        Assert.True(status.BytesWaiting >= 1508 + 16 + 8);
        Assert.Equal(Environment.ProcessId, status.CreatorProcessId);
        Assert.False(status.IsReaderSleeping);
        ChannelParticipantStatus consumer = Assert.Single(status.Participants, p => p.Role == ChannelRole.Consumer);
        Assert.Equal(Environment.ProcessId, consumer.ProcessId);
        Assert.True(consumer.IsAlive);
        Assert.Equal(status.BytesWaiting, consumer.Lag);
        Assert.Single(status.Participants, p => p.Role == ChannelRole.Producer && p.ProcessId == Environment.ProcessId);

        using SharedMemorySegment segment = SharedMemorySegment.OpenById(channel.Id);
        using SharedMemoryAttachment readOnly = segment.Attach(SharedMemoryAccess.ReadOnly);
        SharedMemoryChannelStatus? fromOutside = SharedMemoryChannelStatus.TryRead(readOnly);
        Assert.NotNull(fromOutside);
        Assert.Equal(3, fromOutside.MessagesWaiting);
        Assert.Null(SharedStructAreaInfo.TryRead(readOnly));

        Assert.True(reader.TryRead(buffer, out int length));
        Assert.Equal(1500, length);
        Assert.True(reader.TryRead(buffer, out _));
        Assert.True(reader.TryRead(buffer, out _));
        Assert.False(reader.TryRead(buffer, out _));
        Assert.Equal(0, channel.GetStatus().MessagesWaiting);
        Assert.Equal(0, channel.GetStatus().BytesWaiting);
    }

    [Fact]
    public void AreaHeader_GivesLayoutSizeStateAndCreator_AndAPlainSegmentIsNeither()
    {
        using SharedStruct<Counters> area = SharedStruct<Counters>.Create(TestKeys.Unique(), options: new SharedStructOptions { RemoveOnDispose = true });
        using SharedMemorySegment segment = SharedMemorySegment.OpenById(area.Id);
        using SharedMemoryAttachment readOnly = segment.Attach(SharedMemoryAccess.ReadOnly);
        SharedStructAreaInfo? info = SharedStructAreaInfo.TryRead(readOnly);
        Assert.NotNull(info);
        Assert.Equal(16, info.DataSize);
        Assert.Equal(SharedStructAreaState.Ready, info.State);
        Assert.Equal(Environment.ProcessId, info.CreatorProcessId);
        Assert.True(info.IsCreatorRunning);
        Assert.StartsWith("struct(16){Hits:i64@0,Misses:i32@8}", info.Layout, StringComparison.Ordinal);
        Assert.NotNull(info.ReadyTime);
        Assert.Null(SharedMemoryChannelStatus.TryRead(readOnly));

        using var plain = SharedMemorySegment.Create(TestKeys.Unique(), 8192, options: new() { RemoveOnDispose = true });
        using SharedMemoryAttachment plainView = plain.Attach(SharedMemoryAccess.ReadOnly);
        Assert.Null(SharedStructAreaInfo.TryRead(plainView));
        Assert.Null(SharedMemoryChannelStatus.TryRead(plainView));
    }
}
