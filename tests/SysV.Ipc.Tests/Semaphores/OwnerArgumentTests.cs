using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>(uid_t)-1 names nobody: a caller mistake, refused before IPC_SET for every kind (the kernel's EINVAL read as "no such id").</summary>
public sealed class OwnerArgumentTests : IpcLeakGuard
{
    [Fact]
    public void SemaphoreSetOwnerMinusOneIsAnArgumentErrorAndTheSetIsUntouched()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        SemaphoreSetInfo before = set.GetInfo();
        Assert.Throws<ArgumentOutOfRangeException>(() => set.SetOwner(uint.MaxValue, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.SetOwner(0, uint.MaxValue));
        SemaphoreSetInfo after = set.GetInfo();
        Assert.Equal((before.OwnerUserId, before.OwnerGroupId, before.Mode), (after.OwnerUserId, after.OwnerGroupId, after.Mode));
        Assert.Equal(before.LastChangeTime, after.LastChangeTime); // no IPC_SET reached the kernel (it would set sem_ctime)
    }

    [Fact]
    public void MessageQueueOwnerMinusOneIsAnArgumentErrorAndTheQueueIsUntouched()
    {
        using var queue = MessageQueue.Create(IpcKey.Private, new() { RemoveOnDispose = true });
        MessageQueueInfo before = queue.GetInfo();
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.SetOwner(uint.MaxValue, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.SetOwner(0, uint.MaxValue));
        MessageQueueInfo after = queue.GetInfo();
        Assert.Equal((before.OwnerUserId, before.OwnerGroupId, before.Mode), (after.OwnerUserId, after.OwnerGroupId, after.Mode));
        Assert.Equal(before.LastChangeTime, after.LastChangeTime); // no IPC_SET reached the kernel (it would set msg_ctime)
    }
}
