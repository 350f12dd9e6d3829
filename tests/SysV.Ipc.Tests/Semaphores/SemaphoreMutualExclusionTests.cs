using System.Globalization;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>A semaphore of value 1 used as a lock by several processes around a non-atomic update of shared memory.</summary>
public sealed class SemaphoreMutualExclusionTests : IpcLeakGuard
{
    private const int Workers = 3;

    /// <summary>Increments per worker; SYSV_IPC_SEM_INCREMENTS raises it for a longer run.</summary>
    private static readonly int s_increments = int.TryParse(Environment.GetEnvironmentVariable("SYSV_IPC_SEM_INCREMENTS"), CultureInfo.InvariantCulture, out int n) ? n : 2000;

    [Fact]
    public void ProcessesIncrementingUnderTheLock_LoseNoUpdate()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [1], options: new() { RemoveOnDispose = true });
        using var segment = SharedMemorySegment.Create(IpcKey.Private, 64, options: new() { RemoveOnDispose = true });
        var workers = new List<RemoteProcess>();
        try
        {
            for (int i = 0; i < Workers; i++)
            {
                workers.Add(RemoteExecutor.Start(IncrementUnderLock, set.Id.ToString(CultureInfo.InvariantCulture), segment.Id.ToString(CultureInfo.InvariantCulture), s_increments.ToString(CultureInfo.InvariantCulture)));
            }

            foreach (RemoteProcess worker in workers)
            {
                worker.AssertExit(RemoteExecutor.SuccessExitCode, TimeSpan.FromSeconds(120));
            }

            using var attachment = segment.Attach(SharedMemoryAccess.ReadOnly);
            Assert.Equal((long)Workers * s_increments, attachment.Read<long>(0));
            Assert.Equal(1, set.GetValue(0));
        }
        finally
        {
            foreach (RemoteProcess worker in workers)
            {
                worker.Dispose();
            }
        }
    }

    private static int IncrementUnderLock(string setId, string segmentId, string countText)
    {
        using var set = SemaphoreSet.OpenById(int.Parse(setId, CultureInfo.InvariantCulture));
        using var segment = SharedMemorySegment.OpenById(int.Parse(segmentId, CultureInfo.InvariantCulture));
        using var attachment = segment.Attach();
        int count = int.Parse(countText, CultureInfo.InvariantCulture);
        for (int i = 0; i < count; i++)
        {
            set.Wait(0, flags: SemaphoreOperationFlags.Undo);
            long value = attachment.Read<long>(0); // read, yield, write: loses updates without the lock
            if ((i & 15) == 0)
            {
                Thread.Yield();
            }

            attachment.Write(0, value + 1);
            set.Release(0, flags: SemaphoreOperationFlags.Undo);
        }

        return RemoteExecutor.SuccessExitCode;
    }
}
