using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// Single, targeted corruptions that once hung the reader, wrote outside the segment or escaped as the
/// wrong exception type. Each runs in a child process (a crash is a failed exit code, not the end of the
/// test run) and every wait in it has a timeout (a hang fails as a timeout, not as a stuck run).
/// </summary>
public sealed class ChannelHostileSegmentTests : IpcLeakGuard
{
    private static readonly TimeSpan ChildLimit = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A padding record that does not run to the ring's end: once a reader stepped over it into stale
    /// records (single producer: the head ran laps ahead of the writer), or looped over a padding at
    /// offset 0 that "fills" the whole ring forever (100% CPU, its timeout ignored), or in a
    /// multi-producer channel zeroed far past the segment. Now: ChannelCorruptedException, in time.
    /// </summary>
    [Theory]
    [InlineData(ChannelMode.SingleProducer, "short")]
    [InlineData(ChannelMode.MultiProducer, "short")]
    [InlineData(ChannelMode.SingleProducer, "whole-ring-at-zero")]
    [InlineData(ChannelMode.MultiProducer, "whole-ring-at-zero")]
    [InlineData(ChannelMode.SingleProducer, "past-the-end")]
    [InlineData(ChannelMode.MultiProducer, "skip-tag-in-single-producer-or-oversized")]
    public void ACorruptPaddingRecord_IsChannelCorrupted_WithinTheReadTimeout(ChannelMode mode, string shape)
    {
        using RemoteProcess child = RemoteExecutor.Start(ReadOverCorruptPadding, mode.ToString(), shape);
        child.AssertExit(RemoteExecutor.SuccessExitCode, ChildLimit);
        Assert.Contains("ChannelCorruptedException", child.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>Stale data records after the last real one (single producer: the reader does not zero): a reader carried into them stops at the tail check, not laps later.</summary>
    [Fact]
    public void StaleRecordsBeyondTheTail_AreNotDeliveredLapsAhead()
    {
        using RemoteProcess child = RemoteExecutor.Start(ReadIntoStaleRecords);
        child.AssertExit(RemoteExecutor.SuccessExitCode, ChildLimit);
        Assert.Contains("stopped after", child.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("creation-time", long.MaxValue)]
    [InlineData("creation-time", -1L)]
    [InlineData("creator-pid", 0L)]
    [InlineData("creator-pid", -1L)]
    [InlineData("creator-pid", 1L << 22)]
    public void ACorruptHeaderField_FailsTheOpen_WithChannelCorrupted(string field, long value)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { RemoveOnDispose = true });
        using (var segment = SharedMemorySegment.OpenById(channel.Id))
        using (SharedMemoryAttachment raw = segment.Attach())
        {
            if (field == "creation-time")
            {
                raw.Write(40, value);
            }
            else
            {
                raw.Write(48, (int)value);
            }
        }

        var error = Assert.Throws<ChannelCorruptedException>(() => SharedMemoryChannel.OpenById(channel.Id).Dispose());
        Assert.Contains(field == "creation-time" ? "creation time" : "creator pid", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("heartbeat", long.MinValue)]
    [InlineData("heartbeat", -1L)]
    [InlineData("role", 7L)]
    [InlineData("owner-without-pid", 5L << 22)]
    public void ACorruptParticipantSlot_MakesGetParticipantsThrowChannelCorrupted(string field, long value)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { RemoveOnDispose = true });
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using (var segment = SharedMemorySegment.OpenById(channel.Id))
        using (SharedMemoryAttachment raw = segment.Attach())
        {
            const long WriterSlot = 768 + 128;
            switch (field)
            {
                case "heartbeat":
                    raw.Write(WriterSlot + 16, value);
                    break;
                case "role":
                    raw.Write(WriterSlot + 8, (int)value);
                    break;
                default:
                    raw.Write(WriterSlot, value);
                    break;
            }
        }

        Assert.Throws<ChannelCorruptedException>(() => channel.GetParticipants());
    }

    [Fact]
    public void AHeartbeatFarInThePast_StillGivesAParticipant_NotAnOverflow()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader();
        using (var segment = SharedMemorySegment.OpenById(channel.Id))
        using (SharedMemoryAttachment raw = segment.Attach())
        {
            raw.Write(768 + 16, 0L);
        }

        ChannelParticipant participant = Assert.Single(channel.GetParticipants());
        Assert.True(participant.SinceHeartbeat >= TimeSpan.Zero);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void ACompletionFlagNeitherZeroNorOne_IsChannelCorrupted(int value)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { RemoveOnDispose = true });
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader reader = channel.OpenReader();
        using (var segment = SharedMemorySegment.OpenById(channel.Id))
        using (SharedMemoryAttachment raw = segment.Attach())
        {
            raw.Write(36, value);
        }

        Assert.Throws<ChannelCorruptedException>(() => writer.TryWrite([1, 2, 3]));
        Assert.Throws<ChannelCorruptedException>(() => reader.Read(TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }

    /// <summary>Child: plants the corrupt record at the reader's position, then reads with a 2 s timeout; prints which exception ended it.</summary>
    public static int ReadOverCorruptPadding(string modeText, string shape)
    {
        var mode = Enum.Parse<ChannelMode>(modeText);
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { Mode = mode, MaxProducers = 2, RemoveOnDispose = true });
        using var segment = SharedMemorySegment.OpenById(channel.Id);
        using SharedMemoryAttachment raw = segment.Attach();
        long ring = raw.Length - channel.Capacity;
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader reader = channel.OpenReader();

        // Laps of traffic, so the ring holds stale records everywhere (a single-producer reader does not
        // zero them). 248-byte messages take 256-byte records, 16 to a lap: no padding, and after 96 of
        // them (six laps) the next record is at ring offset 0.
        var message = new byte[248];
        int count = shape == "whole-ring-at-zero" ? 96 : 97;
        for (int i = 0; i < count; i++)
        {
            writer.Write(message, TimeSpan.FromSeconds(5));
            reader.Read(TimeSpan.FromSeconds(5), CancellationToken.None);
        }

        _ = reader.TryRead(out _); // finds the ring empty: everything handed back
        long at = count * 256L % channel.Capacity;
        long room = channel.Capacity - at;
        (int frame, int tag) = shape switch
        {
            "short" => (8, 0x4D534702),
            "whole-ring-at-zero" => ((int)channel.Capacity, 0x4D534702),
            "past-the-end" => ((int)room + 8, 0x4D534702),
            _ => (mode == ChannelMode.MultiProducer ? (int)(channel.Capacity / 2) + 8 : 16, 0x4D534703),
        };
        raw.Write(ring + at + 4, tag);
        raw.Write(ring + at, frame);
        try
        {
            byte[] read = reader.Read(TimeSpan.FromSeconds(2), CancellationToken.None);
            Console.WriteLine($"read a {read.Length}-byte message over the corrupt record");
            return 1;
        }
        catch (ChannelCorruptedException e)
        {
            Console.WriteLine($"ChannelCorruptedException: {e.Message}");
            return RemoteExecutor.SuccessExitCode;
        }
        catch (Exception e)
        {
            Console.WriteLine($"ended otherwise: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Child: single producer, stale records ahead of the reader (from earlier laps); a corrupt data record
    /// length carries the reader into them. It may hand out some (their bytes are not ours to judge) but
    /// must stop with ChannelCorruptedException once it is a lap past the tail (the check runs when it hands space back).
    /// </summary>
    public static int ReadIntoStaleRecords()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 4096, new() { RemoveOnDispose = true });
        using var segment = SharedMemorySegment.OpenById(channel.Id);
        using SharedMemoryAttachment raw = segment.Attach();
        long ring = raw.Length - channel.Capacity;
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        using SharedMemoryChannelReader reader = channel.OpenReader();
        var message = new byte[56]; // 64-byte records: 64 of them fill the ring exactly, so every lap leaves valid records everywhere
        for (int i = 0; i < 640; i++)
        {
            writer.Write(message, TimeSpan.FromSeconds(5));
            reader.Read(TimeSpan.FromSeconds(5), CancellationToken.None);
        }

        // One real message, whose length is then corrupted to jump over the cleared header after it, into stale records.
        writer.Write(message, TimeSpan.FromSeconds(5));
        long at = 640 * 64 % channel.Capacity;
        raw.Write(ring + at, 8 + 120);
        int delivered = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                if (reader.TryRead(out _))
                {
                    delivered++;
                    if (delivered > 2 * channel.Capacity / 64)
                    {
                        Console.WriteLine($"delivered {delivered.ToString(CultureInfo.InvariantCulture)} records: laps past what was written");
                        return 1;
                    }
                }
            }

            Console.WriteLine($"no exception after {delivered.ToString(CultureInfo.InvariantCulture)} records");
            return 1;
        }
        catch (ChannelCorruptedException)
        {
            Console.WriteLine($"stopped after {delivered.ToString(CultureInfo.InvariantCulture)} records with ChannelCorruptedException");
            return RemoteExecutor.SuccessExitCode;
        }
    }
}
