using System.Diagnostics;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Core;

/// <summary>
/// The one liveness check: a pid counts as the recorded process only if that process started no later than
/// the record. Orphan detection uses it, so a pid reused by a newer process neither keeps an orphan alive
/// nor, while the recorded process runs, can anything make its object look abandoned.
/// </summary>
public sealed class ProcessIdentityTests : IpcLeakGuard
{
    private static readonly DateTimeOffset LongAgo = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void IsRunningSince_TellsTheRecordedProcessFromALaterOneWithTheSamePid()
    {
        int self = Environment.ProcessId;
        Assert.True(ProcessIdentity.IsRunningSince(self, DateTimeOffset.UtcNow));
        Assert.True(ProcessIdentity.IsRunningSince(self, null)); // unknown time: the pid alone
        Assert.False(ProcessIdentity.IsRunningSince(self, LongAgo)); // recorded before this process existed: a reuse
        Assert.False(ProcessIdentity.IsRunningSince(0, DateTimeOffset.UtcNow));
        Assert.False(ProcessIdentity.IsRunningSince(-3, null));

        using Process exited = Process.Start(new ProcessStartInfo("true"))!;
        exited.WaitForExit();
        Assert.False(ProcessIdentity.IsRunningSince(exited.Id, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void IsAlive_ChecksTheRecordedStartTime()
    {
        Assert.True(ProcessIdentity.IsAlive(Environment.ProcessId, ProcessIdentity.OwnStartTime));
        Assert.True(ProcessIdentity.IsAlive(Environment.ProcessId, 0));
        Assert.False(ProcessIdentity.IsAlive(Environment.ProcessId, ProcessIdentity.OwnStartTime + 1));
    }

    [Fact]
    public void ASegmentWhoseCreatorPidWasReused_IsAnOrphan_AndOneWhoseCreatorRuns_IsNot()
    {
        using var segment = SharedMemorySegment.Create(IpcKey.Private, 4096, options: new() { RemoveOnDispose = true });
        SharedMemoryInfo real = IpcSystem.ListSharedMemory().Single(s => s.Id == segment.Id);
        Assert.Equal(Environment.ProcessId, real.CreatorProcessId);
        Assert.False(IpcSystem.IsOrphan(real)); // its creator (this process) runs

        // The same record as the kernel would show it had the segment been made in 2000 by a process whose
        // pid this process now holds by reuse: the running process is not its creator.
        SharedMemoryInfo reused = real with { LastChangeTime = LongAgo, LastAttachTime = null, LastDetachTime = null };
        Assert.True(IpcSystem.IsOrphan(reused));
    }

    [Fact]
    public void AQueueWhoseLastSenderPidWasReused_IsAnOrphan_AndOneWhoseSenderRuns_IsNot()
    {
        using var queue = MessageQueue.Create(IpcKey.Private);
        queue.RemoveOnDispose = true;
        queue.Send(1, [1]);
        MessageQueueInfo real = IpcSystem.ListMessageQueues().Single(q => q.Id == queue.Id);
        Assert.Equal(Environment.ProcessId, real.LastSendProcessId);
        Assert.False(IpcSystem.IsOrphan(real, TimeSpan.Zero));

        MessageQueueInfo reused = real with { LastChangeTime = LongAgo, LastSendTime = LongAgo };
        Assert.True(IpcSystem.IsOrphan(reused, TimeSpan.Zero));
    }
}
