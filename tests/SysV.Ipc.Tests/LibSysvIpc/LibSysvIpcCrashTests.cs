using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.LibSysvIpc;

/// <summary>
/// Crash recovery across languages: a C writer SIGKILLed mid-claim is skipped by a .NET reader (and a .NET
/// writer's by a C reader), only after it died; a dead writer or reader is reported to the survivor
/// (-EPIPE in C, ChannelPeerDiedException in .NET) instead of a hang.
/// </summary>
public sealed class LibSysvIpcCrashTests : IpcLeakGuard
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);

    [Fact]
    public void CWriterKilledMidClaim_DotNetReaderSkipsIt_AndReadsTheOthers()
    {
        for (int round = 0; round < 3; round++)
        {
            using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 14, new() { Mode = ChannelMode.MultiProducer, MaxProducers = 3, RemoveOnDispose = true });
            using SharedMemoryChannelReader reader = channel.OpenReader(new ChannelWaitStrategy { SpinCount = 0, YieldCount = 0, SleepSlice = TimeSpan.FromMilliseconds(10) });
            using RemoteProcess c = LibSysvIpcBuild.StartPeer("claim-hang", LibSysvIpcChannelTests.Id(channel), "20", "300");
            c.WaitForOutput("claimed", s_long);
            // The claim is live: nothing behind it may be read yet.
            using (SharedMemoryChannelWriter writer = channel.OpenWriter())
            {
                writer.Write(CrossMessages.Make(1, 0, 100));
                for (int i = 0; i < 20; i++)
                {
                    Assert.True(reader.TryRead(out byte[]? m));
                    Assert.Equal((0, (long)i), CrossMessages.Check(m));
                }

                Assert.False(reader.TryRead(out _));
                Assert.Throws<TimeoutException>(() => reader.Read(TimeSpan.FromMilliseconds(100), CancellationToken.None));
                c.Kill();
                Assert.Equal((1, 0L), CrossMessages.Check(reader.Read(s_long, CancellationToken.None))); // after the reader found the claimant dead
                for (long s = 1; s < 200; s++)
                {
                    writer.Write(CrossMessages.Make(1, s, 50 + (int)s), s_long);
                    Assert.Equal((1, s), CrossMessages.Check(reader.Read(s_long, CancellationToken.None)));
                }
            }

            Assert.False(reader.TryRead(out _));
        }
    }

    [Fact]
    public void CSingleWriterKilledMidClaim_DotNetReaderSeesNothingOfIt_ThenPeerDied_ThenANewWriterContinues()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 14, new() { RemoveOnDispose = true });
        using SharedMemoryChannelReader reader = channel.OpenReader(new ChannelWaitStrategy { SpinCount = 0, YieldCount = 0, SleepSlice = TimeSpan.FromMilliseconds(10) });
        using (RemoteProcess c = LibSysvIpcBuild.StartPeer("claim-hang", LibSysvIpcChannelTests.Id(channel), "20", "300"))
        {
            c.WaitForOutput("claimed", s_long);
            c.Kill();
        }

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal((0, (long)i), CrossMessages.Check(reader.Read(s_long, CancellationToken.None)));
        }

        var died = Assert.Throws<ChannelPeerDiedException>(() => reader.Read(s_long, CancellationToken.None));
        Assert.Equal(ChannelRole.Producer, died.Role);
        using (SharedMemoryChannelWriter writer = channel.OpenWriter())
        {
            writer.Write(CrossMessages.Make(2, 0, 64));
        }

        Assert.Equal((2, 0L), CrossMessages.Check(reader.Read(s_long, CancellationToken.None)));
    }

    [Fact]
    public void DotNetWriterKilledMidClaim_CReaderSkipsIt()
    {
        for (int round = 0; round < 3; round++)
        {
            const int count = 30;
            using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 14, new() { Mode = ChannelMode.MultiProducer, MaxProducers = 3, RemoveOnDispose = true });
            using RemoteProcess reader = LibSysvIpcBuild.StartPeer("read", LibSysvIpcChannelTests.Id(channel), "2", count.ToString(CultureInfo.InvariantCulture), "copy");
            reader.WaitForOutput("reader open", s_long);
            // This process's writer is open before the other dies: a reader that finds every writer dead reports it (-EPIPE) instead of waiting.
            using (SharedMemoryChannelWriter writer = channel.OpenWriter())
            {
                using (RemoteProcess dotnet = RemoteExecutor.Start(WriteThenClaimAndHang, LibSysvIpcChannelTests.Id(channel), "0", count.ToString(CultureInfo.InvariantCulture)))
                {
                    dotnet.WaitForOutput("claimed", s_long);
                    dotnet.Kill();
                }

                LibSysvIpcChannelTests.WriteChecked(writer, 1, count, seed: round, maxLength: 2000, zeroCopy: false);
            }

            reader.AssertExit(0, s_long);
            Assert.Contains($"read {2 * count}", reader.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DotNetSingleWriterKilled_CReaderDrains_ThenGetsEPIPE()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 14, new() { RemoveOnDispose = true });
        using RemoteProcess reader = LibSysvIpcBuild.StartPeer("read-until-dead", LibSysvIpcChannelTests.Id(channel), "1");
        reader.WaitForOutput("reader open", s_long);
        using (RemoteProcess dotnet = RemoteExecutor.Start(WriteThenClaimAndHang, LibSysvIpcChannelTests.Id(channel), "0", "25"))
        {
            dotnet.WaitForOutput("claimed", s_long);
            dotnet.Kill();
        }

        reader.AssertExit(0, s_long);
        Assert.Contains("epipe 25", reader.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ChannelMode.SingleProducer)]
    [InlineData(ChannelMode.MultiProducer)]
    public void DeadDotNetReader_IsReportedToTheCWriterAsEPIPE(ChannelMode mode)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 12, new() { Mode = mode, RemoveOnDispose = true });
        using (RemoteProcess dotnet = RemoteExecutor.Start(OpenReaderAndHang, LibSysvIpcChannelTests.Id(channel)))
        {
            dotnet.WaitForOutput("reader open", s_long);
            dotnet.Kill();
        }

        using RemoteProcess writer = LibSysvIpcBuild.StartPeer("write-until-dead", LibSysvIpcChannelTests.Id(channel));
        writer.AssertExit(0, s_long);
        Assert.Contains("epipe ", writer.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("epipe 0", writer.StandardOutput, StringComparison.Ordinal); // it wrote until the ring was full
    }

    [Fact]
    public void DeadCReader_IsReportedToTheDotNetWriter()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(IpcKey.Private, 1 << 12, new() { RemoveOnDispose = true });
        using (RemoteProcess c = LibSysvIpcBuild.StartPeer("read", LibSysvIpcChannelTests.Id(channel), "1", "1000000", "copy"))
        {
            c.WaitForOutput("reader open", s_long);
            c.Kill();
        }

        using SharedMemoryChannelWriter writer = channel.OpenWriter(new ChannelWaitStrategy { SpinCount = 0, YieldCount = 0, SleepSlice = TimeSpan.FromMilliseconds(10) });
        var died = Assert.Throws<ChannelPeerDiedException>((Action)(() =>
        {
            for (long s = 0; ; s++)
            {
                writer.Write(CrossMessages.Make(0, s, 64), s_long);
            }
        }));
        Assert.Equal(ChannelRole.Consumer, died.Role);
    }

    /// <summary>Child: writes COUNT checked messages as PRODUCER, claims one more, prints "claimed", waits to be killed.</summary>
    public static int WriteThenClaimAndHang(string segmentId, string producer, string count)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(int.Parse(segmentId, CultureInfo.InvariantCulture));
        using SharedMemoryChannelWriter writer = channel.OpenWriter();
        LibSysvIpcChannelTests.WriteChecked(writer, int.Parse(producer, CultureInfo.InvariantCulture), int.Parse(count, CultureInfo.InvariantCulture), seed: 3, maxLength: 2000, zeroCopy: false);
        Span<byte> span;
        while (!writer.TryClaim(500, out span))
        {
            writer.WaitToWrite(500, TimeSpan.FromSeconds(60)); // the reader may not have made room yet
        }

        span.Fill(0xCD);
        Console.WriteLine("claimed");
        Thread.Sleep(Timeout.Infinite);
        return 1;
    }

    /// <summary>Child: opens the reader, prints "reader open", waits to be killed.</summary>
    public static int OpenReaderAndHang(string segmentId)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenById(int.Parse(segmentId, CultureInfo.InvariantCulture));
        using SharedMemoryChannelReader reader = channel.OpenReader();
        Console.WriteLine("reader open");
        Thread.Sleep(Timeout.Infinite);
        return 1;
    }
}
