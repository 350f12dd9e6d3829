using System.Diagnostics;
using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Channels;

/// <summary>
/// Opening a channel whose segment is still blank goes through the create-then-open handshake's first
/// phase (Core/SharedAreaHandshake.WaitForFirstWrite): a live creator is waited for, a dead one is
/// reported at once instead of after the grace period.
/// </summary>
public sealed class ChannelOpenHandshakeTests : IpcLeakGuard
{
    /// <summary>The grace an opener gives a live creator that has not written the header yet (SharedMemoryChannel's).</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    [Fact]
    public void ABlankSegmentWhoseCreatorDied_FailsTheOpenAtOnce_SayingTheCreatorIsGone()
    {
        // A creator that died between shmget and its header write: the segment is blank and its cpid is gone.
        using RemoteProcess creator = RemoteExecutor.Start(CreateBlankSegmentAndExit);
        creator.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(60));
        int id = int.Parse(creator.StandardOutput.Trim(), CultureInfo.InvariantCulture);
        try
        {
            var clock = Stopwatch.StartNew();
            var error = Assert.Throws<ChannelCorruptedException>(() => SharedMemoryChannel.OpenById(id).Dispose());
            clock.Stop();

            Assert.Contains($"its creator (pid {creator.Id}) is gone", error.Message, StringComparison.Ordinal);
            Assert.Contains($"ipcrm -m {id}", error.Message, StringComparison.Ordinal);
            // The old opener slept 1 ms at a time for the whole grace period before it gave up.
            Assert.True(clock.Elapsed < Grace, $"The open took {clock.Elapsed}: it waited out the grace period instead of seeing the creator had died.");
        }
        finally
        {
            SharedMemorySegment.TryRemove(id);
        }
    }

    [Fact]
    public void ABlankSegmentOfALiveCreator_IsWaitedFor_AndNamedAPlainSegmentAfterTheGrace()
    {
        using var segment = SharedMemorySegment.Create(IpcKey.Private, 64 * 1024, new() { RemoveOnDispose = true });
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<ChannelCorruptedException>(() => SharedMemoryChannel.OpenById(segment.Id).Dispose());

        Assert.True(clock.Elapsed >= Grace, $"The open gave up after {clock.Elapsed}, before the grace a live creator gets.");
        Assert.Contains($"while its creator (pid {Environment.ProcessId}) still runs", error.Message, StringComparison.Ordinal);
    }

    private static int CreateBlankSegmentAndExit()
    {
        var segment = SharedMemorySegment.Create(IpcKey.Private, 64 * 1024);
        Console.WriteLine(segment.Id.ToString(CultureInfo.InvariantCulture));
        return RemoteExecutor.SuccessExitCode;
    }
}
