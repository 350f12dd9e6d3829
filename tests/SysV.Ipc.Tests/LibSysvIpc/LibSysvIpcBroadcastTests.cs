using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.LibSysvIpc;

/// <summary>
/// libsysvipc's broadcast channels against the .NET library's (docs/channel-format.md, section 11): C and .NET
/// readers of one .NET writer and .NET readers of a C writer each get every message, in order and checked,
/// over many wrap-arounds; the .NET writer's drop-after policy drops a slow C reader, which is told so
/// (-ECONNRESET) and reads on; a SIGKILLed C reader is reaped, a SIGKILLed C writer reported to .NET
/// readers; a corrupt broadcast segment gives the C reader -EBADMSG and nothing outside the segment.
/// </summary>
public sealed class LibSysvIpcBroadcastTests : IpcLeakGuard
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);

    [Fact]
    public void DotNetWriter_CReadersAndADotNetReader_EachGetEveryMessage()
    {
        const int count = 10_000;
        using SharedMemoryChannel channel = Broadcast(1 << 16);
        using RemoteProcess copying = LibSysvIpcBuild.StartPeer("read", Id(channel), "1", Text(count), "copy");
        using RemoteProcess zeroCopy = LibSysvIpcBuild.StartPeer("read", Id(channel), "1", Text(count), "zero");
        using RemoteProcess sanitized = LibSysvIpcBuild.StartPeer(true, "read", Id(channel), "1", Text(count), "copy");
        RemoteProcess[] cReaders = [copying, zeroCopy, sanitized];
        foreach (RemoteProcess c in cReaders)
        {
            c.WaitForOutput("reader open", s_long);
        }

        using SharedMemoryChannelReader dotnetReader = channel.OpenReader();
        Task reading = Task.Run(() => LibSysvIpcChannelTests.ReadChecked(dotnetReader, producers: 1, count, zeroCopy: true, peer: null));
        using (SharedMemoryChannelWriter writer = channel.OpenWriter())
        {
            LibSysvIpcChannelTests.WriteChecked(writer, producer: 0, count, seed: 17, maxLength: 5000, zeroCopy: false); // some 400 rings
        }

        AssertFinished(reading);
        foreach (RemoteProcess c in cReaders)
        {
            c.AssertExit(0, s_long);
            Assert.Contains($"read {count}", c.StandardOutput, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("runtime error", sanitized.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void CWriter_DotNetReaders_EachGetEveryMessage_ThenTheEnd()
    {
        const int count = 10_000;
        using SharedMemoryChannel channel = Broadcast(1 << 15);
        using SharedMemoryChannelReader copying = channel.OpenReader();
        using SharedMemoryChannelReader zeroCopy = channel.OpenReader();
        Task reading = Task.Run(() =>
        {
            LibSysvIpcChannelTests.ReadChecked(zeroCopy, producers: 1, count, zeroCopy: true, peer: null);
            Assert.False(zeroCopy.WaitToRead(s_long)); // completed and drained
        });
        using RemoteProcess writer = LibSysvIpcBuild.StartPeer("write", Id(channel), "0", Text(count), "23", "24", "7000", "zero", "complete");
        LibSysvIpcChannelTests.ReadChecked(copying, producers: 1, count, zeroCopy: false, writer);
        Assert.False(copying.WaitToRead(s_long));
        AssertFinished(reading);
        writer.AssertExit(0, s_long);
    }

    /// <summary>A broadcast segment C created: .NET reads its version-3 header as the C side wrote it, and writes and reads through it.</summary>
    [Fact]
    public void CCreatedBroadcastChannel_OpensInDotNet_WithItsReadersAndPolicy()
    {
        IpcKey key = TestKeys.Unique();
        using RemoteProcess create = LibSysvIpcBuild.StartPeer("create-broadcast", key.Value.ToString(CultureInfo.InvariantCulture), "65536", "5", "250000000");
        create.AssertExit(0, s_long);
        using SharedMemoryChannel channel = SharedMemoryChannel.Open(key);
        try
        {
            Assert.Equal(ChannelMode.Broadcast, channel.Mode);
            Assert.Equal(5, channel.MaxReaders);
            Assert.Equal(TimeSpan.FromMilliseconds(250), channel.SlowReaderPolicy.DropAfterTime);
            Assert.Equal((65536 / 2) - 16, channel.MaxMessageSize);
            using SharedMemoryChannelReader a = channel.OpenReader();
            using SharedMemoryChannelReader b = channel.OpenReader();
            using (SharedMemoryChannelWriter writer = channel.OpenWriter())
            {
                writer.Write(CrossMessages.Make(0, 0, 1000));
            }

            Assert.Equal((0, 0L), CrossMessages.Check(a.Read(s_long, CancellationToken.None)));
            Assert.Equal((0, 0L), CrossMessages.Check(b.Read(s_long, CancellationToken.None)));
        }
        finally
        {
            channel.Remove();
        }
    }

    [Fact]
    public void SlowCReader_DroppedByTheDotNetWritersPolicy_IsToldSo_AndReadsOn()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 14, new()
        {
            Mode = ChannelMode.Broadcast, MaxReaders = 4, SlowReaderPolicy = SlowReaderPolicy.DropAfter(TimeSpan.FromMilliseconds(100)), RemoveOnDispose = true,
        });
        using RemoteProcess slow = LibSysvIpcBuild.StartPeer("read-dropped", Id(channel));
        slow.WaitForOutput("reader open", s_long);
        using (SharedMemoryChannelWriter writer = channel.OpenWriter())
        {
            for (long s = 0; s < 200; s++) // about three rings: the C reader, reading nothing, holds the writer back until dropped
            {
                writer.Write(CrossMessages.Make(0, s, 200), s_long);
            }

            slow.Process.StandardInput.WriteLine("go");
            slow.WaitForOutput("dropped", s_long);
            writer.Write(CrossMessages.Make(0, 1000, 300), s_long);
            slow.AssertExit(0, s_long);
        }

        string[] words = slow.StandardOutput.Split('\n').First(l => l.StartsWith("dropped ", StringComparison.Ordinal)).Split(' ');
        long position = long.Parse(words[1], CultureInfo.InvariantCulture), writerPosition = long.Parse(words[2], CultureInfo.InvariantCulture);
        Assert.Equal(0, position);
        Assert.InRange(writerPosition, channel.Capacity / 2, channel.Capacity); // where the writer stood when it gave up on the reader
        Assert.True(long.Parse(words[3], CultureInfo.InvariantCulture) >= writerPosition);
        Assert.Contains("drop-after allowance", slow.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("then 0 1000", slow.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void SigkilledCReader_IsReaped_TheWriterAndTheOtherReaderGoOn()
    {
        const int count = 2_000;
        using SharedMemoryChannel channel = Broadcast(1 << 14);
        using (RemoteProcess dead = LibSysvIpcBuild.StartPeer("read-hang", Id(channel)))
        {
            dead.WaitForOutput("reader open", s_long);
            dead.Kill();
        }

        using SharedMemoryChannelReader reader = channel.OpenReader();
        Task reading = Task.Run(() => LibSysvIpcChannelTests.ReadChecked(reader, producers: 1, count, zeroCopy: false, peer: null));
        using (SharedMemoryChannelWriter writer = channel.OpenWriter(new ChannelWaitStrategy { SpinCount = 0, YieldCount = 0, SleepSlice = TimeSpan.FromMilliseconds(10) }))
        {
            LibSysvIpcChannelTests.WriteChecked(writer, producer: 0, count, seed: 4, maxLength: 500, zeroCopy: true); // many rings past the dead reader's cursor
        }

        AssertFinished(reading);
        Assert.DoesNotContain(channel.GetParticipants(), p => p.Role == ChannelRole.Consumer && !p.IsAlive);
    }

    [Fact]
    public void SigkilledCWriter_IsReportedToDotNetReaders_ThenANewWriterGoesOn()
    {
        using SharedMemoryChannel channel = Broadcast(1 << 14);
        var wait = new ChannelWaitStrategy { SpinCount = 0, YieldCount = 0, SleepSlice = TimeSpan.FromMilliseconds(10) };
        using SharedMemoryChannelReader first = channel.OpenReader(ReaderStart.Latest, wait);
        using SharedMemoryChannelReader second = channel.OpenReader(ReaderStart.Latest, wait);
        using (RemoteProcess c = LibSysvIpcBuild.StartPeer("claim-hang", Id(channel), "20", "300"))
        {
            c.WaitForOutput("claimed", s_long);
            c.Kill();
        }

        foreach (SharedMemoryChannelReader reader in new[] { first, second })
        {
            for (int i = 0; i < 20; i++)
            {
                Assert.Equal((0, (long)i), CrossMessages.Check(reader.Read(s_long, CancellationToken.None)));
            }

            var died = Assert.Throws<ChannelPeerDiedException>(() => reader.Read(s_long, CancellationToken.None)); // nothing of the claim
            Assert.Equal(ChannelRole.Producer, died.Role);
        }

        using (SharedMemoryChannelWriter writer = channel.OpenWriter())
        {
            writer.Write(CrossMessages.Make(2, 0, 64));
        }

        Assert.Equal((2, 0L), CrossMessages.Check(first.Read(s_long, CancellationToken.None)));
        Assert.Equal((2, 0L), CrossMessages.Check(second.Read(s_long, CancellationToken.None)));
    }

    /// <summary>A record's length, then the gate, made impossible: the C reader (a child, next to a canary segment) gets -EBADMSG, reads nothing outside the segment, writes nothing outside it.</summary>
    [Theory]
    [InlineData("frame")]
    [InlineData("gate")]
    public unsafe void CorruptBroadcastSegment_CReaderGetsEbadmsg_AndTheCanaryIsIntact(string what)
    {
        using SharedMemoryChannel channel = Broadcast(1 << 12);
        using (SharedMemoryChannelWriter writer = channel.OpenWriter())
        {
            for (int i = 0; i < 5; i++)
            {
                writer.Write(CrossMessages.Make(0, i, 100));
            }
        }

        using var canary = SharedMemorySegment.Create(IpcKey.Private, 4096, options: new() { RemoveOnDispose = true });
        using (SharedMemoryAttachment fill = canary.Attach())
        {
            fill.Span.Fill(0xA5);
        }

        using (SharedMemoryAttachment raw = SharedMemorySegment.OpenById(channel.Id).Attach())
        {
            long ring = raw.Length - channel.Capacity;
            if (what == "frame")
            {
                raw.Write(ring + 128 + 128 + 128, 0x7FFF_FF00); // the fourth record (each 128 bytes): a length past the ring
            }
            else
            {
                raw.Write(256, 8L); // the gate: not a broadcast position
            }
        }

        using RemoteProcess c = LibSysvIpcBuild.StartPeer("fuzz-read", Id(channel), canary.Id.ToString(CultureInfo.InvariantCulture));
        int code = c.WaitForExit(s_long);
        string output = c.StandardOutput + c.StandardError;
        Assert.True(code == 0, output);
        Assert.Contains("outcome corrupted", output, StringComparison.Ordinal);
        if (what == "frame")
        {
            Assert.Contains("read 3", output, StringComparison.Ordinal); // the three records before it, intact
            Assert.Contains("canary intact", output, StringComparison.Ordinal);
        }
    }

    /// <summary>Waits for a reading on another thread; rethrows what it failed on.</summary>
    private static void AssertFinished(Task reading) => Assert.True(reading.Wait(s_long), "the reading did not finish in time");

    private static SharedMemoryChannel Broadcast(int capacity) =>
        SharedMemoryChannel.Create(IpcKey.Private, capacity, new() { Mode = ChannelMode.Broadcast, MaxReaders = 8, RemoveOnDispose = true });

    private static string Id(SharedMemoryChannel channel) => LibSysvIpcChannelTests.Id(channel);

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}
