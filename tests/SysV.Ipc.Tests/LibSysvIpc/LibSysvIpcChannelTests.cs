using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.LibSysvIpc;

/// <summary>
/// libsysvipc (native/) against the .NET library through real channels: every pairing of writer and reader
/// (C→.NET, .NET→C, C→C), copying and zero-copy, single- and multi-producer with C and .NET writers in one
/// channel, random sizes across many wrap-arounds, every message checked byte for byte and in sequence.
/// </summary>
public sealed class LibSysvIpcChannelTests : IpcLeakGuard
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(ChannelMode.SingleProducer, "copy", false)]
    [InlineData(ChannelMode.SingleProducer, "zero", true)]
    [InlineData(ChannelMode.MultiProducer, "copy", true)]
    [InlineData(ChannelMode.MultiProducer, "zero", false)]
    public void CWriter_DotNetReader(ChannelMode mode, string cSide, bool dotnetZeroCopy)
    {
        const int count = 20_000;
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 16, new() { Mode = mode, MaxProducers = 2, RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader();
        using RemoteProcess writer = LibSysvIpcBuild.StartPeer("write", Id(channel), "0", count.ToString(), "11", "24", "9000", cSide);
        ReadChecked(reader, producers: 1, count, dotnetZeroCopy, writer);
        writer.AssertExit(0, s_long);
        Assert.Contains($"wrote {count}", writer.StandardOutput, StringComparison.Ordinal);
        Assert.False(reader.TryRead(out _));
    }

    [Theory]
    [InlineData(ChannelMode.SingleProducer, false, "copy")]
    [InlineData(ChannelMode.SingleProducer, true, "zero")]
    [InlineData(ChannelMode.MultiProducer, true, "copy")]
    [InlineData(ChannelMode.MultiProducer, false, "zero")]
    public void DotNetWriter_CReader(ChannelMode mode, bool dotnetZeroCopy, string cSide)
    {
        const int count = 20_000;
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 16, new() { Mode = mode, MaxProducers = 2, RemoveOnDispose = true });
        using RemoteProcess reader = LibSysvIpcBuild.StartPeer("read", Id(channel), "1", count.ToString(), cSide);
        reader.WaitForOutput("reader open", s_long);
        using (SharedMemoryChannelWriter writer = channel.OpenWriter())
        {
            WriteChecked(writer, producer: 0, count, seed: 5, maxLength: 9000, dotnetZeroCopy);
        }

        reader.AssertExit(0, s_long);
        Assert.Contains($"read {count}", reader.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ChannelMode.SingleProducer, "copy", "zero")]
    [InlineData(ChannelMode.MultiProducer, "zero", "copy")]
    public void CWriter_CReader(ChannelMode mode, string writerSide, string readerSide)
    {
        const int count = 50_000;
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 15, new() { Mode = mode, MaxProducers = 2, RemoveOnDispose = true });
        using RemoteProcess reader = LibSysvIpcBuild.StartPeer("read", Id(channel), "1", count.ToString(), readerSide);
        reader.WaitForOutput("reader open", s_long);
        using RemoteProcess writer = LibSysvIpcBuild.StartPeer("write", Id(channel), "0", count.ToString(), "3", "24", "5000", writerSide);
        writer.AssertExit(0, s_long);
        reader.AssertExit(0, s_long);
        Assert.Contains($"read {count}", reader.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>Two C writer processes and two .NET writer threads in one multi-producer channel, read by .NET and by C.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MultiProducer_CAndDotNetWriters_OneChannel(bool cReader)
    {
        const int count = 8_000;
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 15, new() { Mode = ChannelMode.MultiProducer, MaxProducers = 4, RemoveOnDispose = true });
        using SharedMemoryChannelReader? dotnetReader = cReader ? null : channel.OpenReader();
        using RemoteProcess? reader = cReader ? LibSysvIpcBuild.StartPeer("read", Id(channel), "4", count.ToString(), "zero") : null;
        reader?.WaitForOutput("reader open", s_long);
        using RemoteProcess c0 = LibSysvIpcBuild.StartPeer("write", Id(channel), "0", count.ToString(), "21", "24", "3000", "copy");
        using RemoteProcess c1 = LibSysvIpcBuild.StartPeer("write", Id(channel), "1", count.ToString(), "22", "24", "3000", "zero");
        Exception? failure = null;
        Thread[] dotnetWriters =
        [
            .. new[] { 2, 3 }.Select(p => new Thread(() =>
            {
                try
                {
                    using SharedMemoryChannelWriter w = channel.OpenWriter();
                    WriteChecked(w, p, count, seed: p, maxLength: 3000, zeroCopy: p == 3);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            })),
        ];
        Array.ForEach(dotnetWriters, t => t.Start());
        if (dotnetReader is not null)
        {
            ReadChecked(dotnetReader, producers: 4, count, zeroCopy: true, c0);
        }

        Assert.All(dotnetWriters, t => Assert.True(t.Join(s_long)));
        Assert.Null(failure);
        c0.AssertExit(0, s_long);
        c1.AssertExit(0, s_long);
        if (reader is not null)
        {
            reader.AssertExit(0, s_long);
            Assert.Contains($"read {4 * count}", reader.StandardOutput, StringComparison.Ordinal);
        }
    }

    /// <summary>The C peer built with -fsanitize=address,undefined, both ways: no report, every message intact.</summary>
    [Fact]
    public void SanitizedCPeer_BothWays()
    {
        const int count = 5_000;
        using (SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 14, new() { Mode = ChannelMode.MultiProducer, RemoveOnDispose = true }))
        using (SharedMemoryChannelReader reader = channel.OpenReader())
        using (RemoteProcess writer = LibSysvIpcBuild.StartPeer(true, "write", Id(channel), "0", count.ToString(), "8", "24", "4000", "zero"))
        {
            ReadChecked(reader, 1, count, zeroCopy: false, writer);
            writer.AssertExit(0, s_long);
        }

        using (SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 14, new() { RemoveOnDispose = true }))
        using (RemoteProcess reader = LibSysvIpcBuild.StartPeer(true, "read", Id(channel), "1", count.ToString(), "copy"))
        {
            reader.WaitForOutput("reader open", s_long);
            using (SharedMemoryChannelWriter writer = channel.OpenWriter())
            {
                WriteChecked(writer, 0, count, seed: 9, maxLength: 4000, zeroCopy: true);
            }

            reader.AssertExit(0, s_long);
            Assert.DoesNotContain("runtime error", reader.StandardError, StringComparison.Ordinal);
        }
    }

    internal static string Id(SharedMemoryChannel channel) => channel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static void WriteChecked(SharedMemoryChannelWriter writer, int producer, int count, int seed, int maxLength, bool zeroCopy)
    {
        var random = new Random(seed);
        maxLength = Math.Min(maxLength, writer.Channel.MaxMessageSize);
        for (long sequence = 0; sequence < count; sequence++)
        {
            int length = random.Next(CrossMessages.MinLength, maxLength + 1);
            if (zeroCopy)
            {
                Span<byte> span;
                while (!writer.TryClaim(length, out span))
                {
                    writer.WaitToWrite(length, s_long);
                }

                CrossMessages.Fill(span, producer, sequence);
                writer.Commit();
            }
            else
            {
                writer.Write(CrossMessages.Make(producer, sequence, length), s_long);
            }
        }
    }

    internal static void ReadChecked(SharedMemoryChannelReader reader, int producers, int count, bool zeroCopy, RemoteProcess? peer)
    {
        long[] next = new long[producers];
        var buffer = new byte[reader.Channel.MaxMessageSize];
        for (long i = 0; i < (long)producers * count; i++)
        {
            (int producer, long sequence) message;
            try
            {
                if (zeroCopy)
                {
                    Assert.True(reader.WaitToRead(s_long));
                    Assert.True(reader.TryPeek(out ReadOnlySpan<byte> span));
                    message = CrossMessages.Check(span);
                    reader.Advance();
                }
                else
                {
                    int length = reader.Read(buffer, s_long);
                    message = CrossMessages.Check(buffer.AsSpan(0, length));
                }
            }
            catch (Exception e) when (e is TimeoutException or InvalidDataException)
            {
                throw new Xunit.Sdk.XunitException($"after {i} messages: {e.Message}\npeer stderr:\n{peer?.StandardError}");
            }

            Assert.InRange(message.producer, 0, producers - 1);
            Assert.Equal(next[message.producer], message.sequence);
            next[message.producer]++;
        }
    }
}
