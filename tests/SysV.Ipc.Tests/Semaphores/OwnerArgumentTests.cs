using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Semaphores;

/// <summary>(uid_t)-1 names nobody: a caller mistake, refused before IPC_SET for every kind (the kernel's EINVAL read as "no such id").</summary>
public sealed class OwnerArgumentTests : IpcLeakGuard
{
    [Fact]
    public void Semaphore_set_owner_minus_one_is_an_argument_error_and_the_set_is_untouched()
    {
        using var set = SemaphoreSet.Create(IpcKey.Private, 1, [0], options: new() { RemoveOnDispose = true });
        Assert.Throws<ArgumentOutOfRangeException>(() => set.SetOwner(uint.MaxValue, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.SetOwner(0, uint.MaxValue));
        Assert.Equal(set.Id, set.GetInfo().Id);
    }

    [Fact]
    public void Message_queue_owner_minus_one_is_an_argument_error_and_the_queue_is_untouched()
    {
        using var queue = MessageQueue.Create(IpcKey.Private);
        queue.RemoveOnDispose = true;
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.SetOwner(uint.MaxValue, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.SetOwner(0, uint.MaxValue));
        Assert.Equal(queue.Id, queue.GetInfo().Id);
    }
}
